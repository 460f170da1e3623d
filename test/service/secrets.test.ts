// Feeds known secrets through headers, query strings, cookies and bodies of
// real ext_proc transactions and proves that none reaches any output: the
// security events, the operational log, or the dynamic metadata.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EnvoyClient, type TransactionResult } from '../../src/client/envoy-client.js';
import { assertNoSecretForms } from '../helpers/secret-forms.js';
import { REPO_ROOT, startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwicm9sZSI6ImFkbWluIn0.S1gN4tUr3VaLu3_xYz-0123456789abcdef';
const CARD = '4111111111111111';
const CARD_SPACED = '5500 0000 0000 0004';
const SESSION = 'sess-7f3a9c2e1b8d4f60';
const API_KEY = 'ak_live_Zq8Xw2Lm4Np6Rt0Vy';
const BASIC = Buffer.from('alice:correct-horse-battery').toString('base64');
const QUERY_TOKEN = 'qt-91c4e7a2b5d8f036';
const PASSWORD = 'hunter2-Secret!';

const TAB_TOKEN = 'opaque-Tb7Kq2Lm9Np4';
const FRAGMENT_TOKEN = 'fat-3c8e1a7b5d9f';
const FRAGMENT_ID_TOKEN = 'fid-6b2d9f4a1c8e';
const USERINFO_PASSWORD = 'ui-pa55-w0rd-q7';
const PLAIN_PASSWORD = 'plain-Pw-8e4c2a';
const BRACKET_TOKEN = 'brk-5a1f7c3e9b';
const BRACKET_PASSWORD = 'nested-Pw-2d6b';

const SECRETS = [
  JWT, CARD, CARD_SPACED, SESSION, API_KEY, BASIC, QUERY_TOKEN, PASSWORD, 'correct-horse-battery',
  TAB_TOKEN, FRAGMENT_TOKEN, FRAGMENT_ID_TOKEN, USERINFO_PASSWORD, PLAIN_PASSWORD, BRACKET_TOKEN, BRACKET_PASSWORD,
];

/** Log fields that copy parts of secrets, as a careless rule author might write them. */
const COPY_RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata:
  name: copy-secrets
rules:
  - id: copy-secrets
    description: Copies parts of credentials into log fields.
    when: "'authorization' in request.headers"
    actions:
      - log:
          fields:
            auth_tail: "request.headers['authorization'].substring(7)"
            query_copy: "request.query"
            body_copy: "request.body"
`;

let ctxproc: TestService;
let rulesDir: string;
const results: TransactionResult[] = [];

before(async () => {
  rulesDir = mkdtempSync(path.join(tmpdir(), 'ctxproc-secrets-'));
  cpSync(path.join(REPO_ROOT, 'rules/default.yaml'), path.join(rulesDir, 'default.yaml'));
  cpSync(path.join(REPO_ROOT, 'test/fixtures/rules/log-bodies/log-bodies.yaml'), path.join(rulesDir, 'log-bodies.yaml'));
  writeFileSync(path.join(rulesDir, 'copy-secrets.yaml'), COPY_RULES);
  ctxproc = await startTestService({ rules: rulesDir });

  const client = new EnvoyClient({
    target: ctxproc.target,
    processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' },
    requestAttributes: { 'source.address': '203.0.113.9:41000' },
  });
  const transactions: Array<{ method: string; authority?: string; path: string; headers: Array<[string, string]>; body: string; status: number; responseBody: string }> = [
    {
      method: 'POST',
      path: `/api/login?token=${QUERY_TOKEN}&card=${CARD}&next=%2Fhome`,
      headers: [
        ['authorization', `Bearer ${JWT}`],
        ['cookie', `sid=${SESSION}; theme=dark`],
        ['x-api-key', API_KEY],
        ['content-type', 'application/json'],
      ] as Array<[string, string]>,
      body: JSON.stringify({ user: 'alice', password: PASSWORD, card: { number: CARD_SPACED }, note: `my token is ${JWT}` }),
      status: 401,
      responseBody: JSON.stringify({ error: 'bad credentials', echo: CARD }),
    },
    {
      method: 'GET',
      path: `/admin?password=${encodeURIComponent(PASSWORD)}`,
      headers: [['proxy-authorization', `Basic ${BASIC}`], ['referer', `https://shop.example/cb?access_token=${QUERY_TOKEN}`]] as Array<[string, string]>,
      body: '',
      status: 403,
      responseBody: `forbidden for ${JWT}`,
    },
    {
      method: 'POST',
      path: '/checkout',
      headers: [['content-type', 'application/x-www-form-urlencoded']] as Array<[string, string]>,
      body: `card=${CARD}&password=${encodeURIComponent(PASSWORD)}&jwt=${JWT}`,
      status: 500,
      responseBody: '',
    },
    {
      method: 'POST',
      authority: `admin:${USERINFO_PASSWORD}@shop.example`,
      path: `/api/notes?user%5Bpassword%5D=${BRACKET_PASSWORD}&token[]=${BRACKET_TOKEN}`,
      headers: [
        ['authorization', `Bearer\t${TAB_TOKEN}`],
        ['referer', `https://shop.example/cb#access_token=${FRAGMENT_TOKEN}&id_token=${FRAGMENT_ID_TOKEN}&state=1`],
        ['content-type', 'text/plain'],
      ] as Array<[string, string]>,
      body: `note for support: password=${PLAIN_PASSWORD} and a[b][token]=${BRACKET_TOKEN}`,
      status: 400,
      responseBody: '',
    },
  ];

  for (const transaction of transactions) {
    const result = await client.run(
      {
        method: transaction.method,
        path: transaction.path,
        scheme: 'https',
        authority: transaction.authority ?? 'shop.example',
        headers: transaction.headers,
        body: Buffer.from(transaction.body),
      },
      () => ({
        status: transaction.status,
        headers: [['content-type', 'application/json'], ['set-cookie', `sid=${SESSION}; Path=/; HttpOnly`]],
        body: Buffer.from(transaction.responseBody),
      }),
    );
    results.push(result);
  }
  client.close();
  await waitFor(() => ctxproc.events.length >= transactions.length);
});

after(async () => {
  await ctxproc.stop();
  rmSync(rulesDir, { recursive: true, force: true });
});

test('every transaction was logged', () => {
  assert.equal(ctxproc.events.length, 4);
  for (const result of results) {
    assert.deepEqual(result.protocolErrors, []);
  }
});

test('no secret in security events', () => {
  assertNoSecretForms(ctxproc.eventLines.join('\n'), SECRETS, 'security events contain a secret');
});

test('no secret in operational logs', () => {
  assertNoSecretForms(ctxproc.logLines.join('\n'), SECRETS, 'operational logs contain a secret');
});

test('no secret in dynamic metadata', () => {
  const output = JSON.stringify(results.map((result) => result.dynamicMetadata));
  for (const secret of SECRETS) {
    assert.ok(!output.includes(secret), 'dynamic metadata contains a secret');
  }
});

test('redactions are listed without values', () => {
  const event = ctxproc.events[0]!;
  const fields = new Set((event.ctxproc.redactions as Array<{ field: string; reason: string; rule: string }>).map((entry) => entry.field));

  for (const field of ['http.request.headers.authorization', 'http.request.headers.x-api-key', 'http.request.query.token']) {
    assert.ok(fields.has(field), `${field} is not listed among the redactions`);
  }
  assert.ok([...fields].some((field) => field.startsWith('http.request.cookies.') || field === 'http.request.headers.cookie'), 'the session cookie is not listed');
  assert.ok((event.ctxproc.redactions as Array<{ rule: string }>).every((entry) => typeof entry.rule === 'string' && entry.rule.length > 0));
});

test('logged bodies keep what is not secret', () => {
  const event = ctxproc.events[0]!;
  const serialized = JSON.stringify(event);

  assert.ok(serialized.includes('alice'), 'the user name was removed along with the secrets');
  assert.ok(serialized.includes('bad credentials'), 'the response body was not logged');
  assert.equal(event.http.status_code, 401);
});

test('copied parts of secrets are masked', () => {
  const event = ctxproc.events[3]!;
  const fields = event.ctxproc.fields as Record<string, unknown>;

  assert.equal(fields.auth_tail, '[REDACTED:header]');
  assert.match(String(fields.body_copy), /password=\[REDACTED:named_value\] and a\[b\]\[token\]=\[REDACTED:query_param\]/);
  assert.ok(JSON.stringify(fields.query_copy).includes('[REDACTED:query_param]'), 'the copied query kept no mask');
  assert.equal(event.http.url_details.host, 'shop.example');
  assert.ok(!String(event.http.url).includes('admin'), 'the userinfo reached http.url');
  assert.ok((event.ctxproc.redactions as Array<{ field: string }>).some((entry) => entry.field === 'http.request.url.userinfo'));
});
