// End to end: an exchange full of known secrets goes through the builder and
// the emitter, and none of the secrets, in any common encoding, may appear in
// the emitted line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSecurityEvent } from '../../src/events/builder.js';
import { createEventEmitter } from '../../src/events/emitter.js';
import type { Exchange } from '../../src/model/exchange.js';
import type { TransactionRecord } from '../../src/model/record.js';
import { ALL_DETECTORS, makeSpec, type SpecTargets } from '../redaction/helpers.js';
import { body, LineCapture, logDecision, makeExchange, makeRecord, makeRequest, makeResponse } from './fixtures.js';

const base64url = (text: string) => Buffer.from(text).toString('base64url');

const JWT = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url('{"sub":"user-8812","role":"admin"}')}.K3qSuTVcqaZy9tvB0mVIrc4Y2Qn2cXk8bJm_7gHdWfE`;
const RESPONSE_JWT = `${base64url('{"alg":"RS256"}')}.${base64url('{"sub":"user-8812","scope":"orders"}')}.Zm9vYmFyYmF6cXV4LXNpZ25hdHVyZQ`;
const SESSION = 'sess_9fK2mQ7xLp4Rt8Vw';
const NEW_SESSION = 'sess_Yh3Jk8Nb2Cx5Zq1T';
const API_KEY = 'ak_live_51HqLyJ2eZvKYlo2C';
const BASIC_USER_PASS = 'svc-backup:Tr0ub4dor&3';
const UPSTREAM_USER_PASS = 'relay:pl4in-p4ss';
const QUERY_TOKEN = 'qt_7Hs9Kd2Lm4Np6Qr8';
const OPAQUE_BEARER = 'opaque.Tk-55_aZx9';
const QUERY_CARD = '4111111111111111';
const BODY_CARD = '5555 5555 5555 4444';
const ERROR_CARD = '378282246310005';

const SECRETS = [JWT, RESPONSE_JWT, SESSION, NEW_SESSION, API_KEY, BASIC_USER_PASS, UPSTREAM_USER_PASS, QUERY_TOKEN, OPAQUE_BEARER, QUERY_CARD, BODY_CARD, ERROR_CARD];

/** Returns each secret as written, and the forms it takes in URLs, base64 and base64url, and without card separators. */
function encodedForms(secret: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    secret.replace(/[ -]/g, ''),
  ];
  const jwtParts = secret.split('.');
  if (jwtParts.length === 3) {
    forms.push(jwtParts[1]!, jwtParts[2]!);
  }
  return [...new Set(forms.map((form) => form.replace(/=+$/, '')))];
}

function secretExchange(): Exchange {
  const request = makeRequest(`/api/pay?token=${QUERY_TOKEN}&pan=${QUERY_CARD}&page=2`, [
    ['authorization', `Bearer ${JWT}`],
    ['cookie', `theme=dark; session=${SESSION}`],
    ['x-api-key', API_KEY],
    ['proxy-authorization', `Basic ${Buffer.from(BASIC_USER_PASS).toString('base64')}`],
    ['x-upstream-auth', `Basic ${Buffer.from(UPSTREAM_USER_PASS).toString('base64')}`],
    ['referer', `https://shop.example/checkout?token=${encodeURIComponent(QUERY_TOKEN)}&step=2`],
    ['content-type', 'application/json'],
    ['user-agent', 'checkout-app/3.1'],
  ], 'POST');
  request.body = body(JSON.stringify({ card: { number: BODY_CARD, holder: 'A. Lovelace' }, note: `forward with Bearer ${OPAQUE_BEARER}` }));

  const response = makeResponse(402, [
    ['set-cookie', `session=${NEW_SESSION}; Path=/; HttpOnly; Secure`],
    ['content-type', 'application/json'],
  ]);
  response.body = body(JSON.stringify({ error: 'payment required', access_token: RESPONSE_JWT }));
  return makeExchange(request, response);
}

function secretRecord(targets: SpecTargets): TransactionRecord {
  const record = makeRecord(logDecision({
    rules: ['log-unsuccessful'],
    fields: { auth: `Bearer ${JWT}`, route: '/api/pay', upstream: { 'x-api-key': API_KEY } },
    includeRequestBody: 4096,
    includeResponseBody: 4096,
    includeHeaders: 'all',
  }));
  record.redaction = makeSpec(targets, 'redact-credentials');
  record.ruleErrors.push({ rule: 'lookup-card', message: `no account for card ${ERROR_CARD}` });
  return record;
}

async function emitOne(exchange: Exchange, record: TransactionRecord): Promise<LineCapture> {
  const capture = new LineCapture();
  const emitter = createEventEmitter({ destination: capture });
  emitter.emit(buildSecurityEvent(exchange, record, { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } }));
  await emitter.flush();
  assert.equal(emitter.count, 1);
  return capture;
}

function assertNoSecret(output: string): void {
  for (const secret of SECRETS) {
    for (const form of encodedForms(secret)) {
      assert.equal(output.includes(form), false, `output contains a form of a secret: ${form.slice(0, 6)}…`);
    }
  }
}

/** Name, rule targets, and the rule recorded for the cookie headers: the baseline masks them whole when no rule names them. */
const CASES: Array<[string, SpecTargets, string]> = [
  [
    'cookies named by the rule',
    { headers: ['authorization', 'proxy-authorization', 'x-api-key'], cookies: ['session'], queryParams: ['token'], detectors: ALL_DETECTORS },
    'ctxproc.baseline',
  ],
  [
    'cookie headers named by the rule',
    { headers: ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'], queryParams: ['token'], detectors: ALL_DETECTORS },
    'redact-credentials',
  ],
];

const COOKIE_HEADER_FIELDS = new Set(['http.request.headers.cookie', 'http.response.headers.set-cookie']);

describe('secrets never leave the emitter', () => {
  for (const [name, targets, cookieRule] of CASES) {
    it(`hides every secret with ${name}`, async () => {
      const capture = await emitOne(secretExchange(), secretRecord(targets));

      assertNoSecret(capture.text);
      assert.equal(capture.lines().length, 1);
    });

    it(`lists each redacted field with ${name}`, async () => {
      const capture = await emitOne(secretExchange(), secretRecord(targets));
      const ctxproc = capture.lines()[0]!.ctxproc as { redactions: Array<{ field: string; reason: string; rule: string }> };
      const listed = new Set(ctxproc.redactions.map((entry) => `${entry.field} ${entry.reason}`));

      const expected = [
        'http.request.headers.authorization header',
        'http.request.headers.proxy-authorization header',
        'http.request.headers.x-api-key header',
        'http.request.headers.x-upstream-auth basic_credentials',
        'http.request.headers.referer query_param',
        'http.request.query.token query_param',
        'http.request.query.pan card_number',
        'http.request.body card_number',
        'http.request.body bearer_token',
        'http.response.body jwt',
        'http.response.body named_value',
        'ctxproc.fields.auth jwt',
        'ctxproc.fields.upstream.x-api-key header',
        'ctxproc.rule_errors card_number',
        'http.request.headers.cookie header',
        'http.response.headers.set-cookie header',
      ];
      for (const entry of expected) {
        assert.ok(listed.has(entry), `missing redaction ${entry}`);
      }
      for (const entry of ctxproc.redactions) {
        // The response body's access_token is masked by name, a baseline query parameter that this rule does not name.
        const byBaseline = entry.field === 'http.response.body' && entry.reason === 'named_value';
        let rule = 'redact-credentials';
        if (COOKIE_HEADER_FIELDS.has(entry.field)) {
          rule = cookieRule;
        } else if (byBaseline) {
          rule = 'ctxproc.baseline';
        }
        assert.equal(entry.rule, rule, `rule of ${entry.field} ${entry.reason}`);
      }
      assert.equal(listed.size, ctxproc.redactions.length, 'entries are not deduplicated');
    });
  }

  it('keeps the data that is not secret', async () => {
    const capture = await emitOne(secretExchange(), secretRecord(CASES[0]![1]));
    const line = capture.lines()[0] as { http: { url: string; url_details: { queryString: Record<string, string> } }; ctxproc: { headers: { request: Record<string, string> } } };

    assert.equal(line.http.url, 'https://shop.example/api/pay?token=[REDACTED:query_param]&pan=[REDACTED:card_number]&page=2');
    assert.deepEqual(line.http.url_details.queryString, { token: '[REDACTED:query_param]', pan: '[REDACTED:card_number]', page: '2' });
    assert.equal(line.ctxproc.headers.request.authorization, '[REDACTED:header]');
    assert.equal(line.ctxproc.headers.request['user-agent'], 'checkout-app/3.1');
  });

  it('masks cookie headers whole by baseline', () => {
    const event = buildSecurityEvent(secretExchange(), secretRecord(CASES[0]![1]), { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } });
    assert.equal(event.ctxproc.headers?.request?.cookie, '[REDACTED:header]');
    assert.equal(event.ctxproc.headers?.response?.['set-cookie'], '[REDACTED:header]');
  });
});
