// The baseline masks credential headers and query parameters with no redact
// rule at all, in the spellings APIs use.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildSecurityEvent } from '../../src/events/builder.js';
import { body, logDecision, makeExchange, makeRecord, makeRequest, makeResponse } from '../events/fixtures.js';
import { makeSpec } from './helpers.js';

const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEFIaCXVzLWVhc3QtMSJHMEUCIQ';
const AUTH_TOKEN = 'at-93hf02kd81mz';
const HYPHEN_TOKEN = 'hy-72kq0w81nb';
const AUTH_PARAM = 'ap-5ud8s02mxk';
const CAMEL_TOKEN = 'ct-0s8d7f6g5h';
const SESSION_ID = 'F3A9C2E7B1D04A6E';

it('masks credential names without rules', () => {
  const request = makeRequest(`/callback?access-token=${HYPHEN_TOKEN}&auth_token=${AUTH_PARAM}&accessToken=${CAMEL_TOKEN}&JSESSIONID=${SESSION_ID}&page=2`, [
    ['x-amz-security-token', SESSION_TOKEN],
    ['x-auth-token', AUTH_TOKEN],
    ['accept', 'application/json'],
  ]);
  const record = makeRecord(logDecision({ includeHeaders: 'all' }));
  record.redaction = makeSpec({});

  const event = buildSecurityEvent(makeExchange(request), record, { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } });
  const line = JSON.stringify(event);

  for (const secret of [SESSION_TOKEN, AUTH_TOKEN, HYPHEN_TOKEN, AUTH_PARAM, CAMEL_TOKEN, SESSION_ID]) {
    assert.equal(line.includes(secret), false, `the event contains ${secret.slice(0, 3)}…`);
  }
  assert.ok(line.includes('page=2'), 'other parameters stay');
  assert.ok(line.includes('application/json'), 'other headers stay');
  const reasons = new Set(event.ctxproc.redactions.map((entry) => `${entry.reason} ${entry.rule}`));
  assert.ok(reasons.has('header ctxproc.baseline'));
  assert.ok(reasons.has('query_param ctxproc.baseline'));
});

const GITHUB_TOKEN = 'ghp_Zx81Qw0eRt2Yu4Io6Pa8Sd1Fg3Hj5Kl7Mn9B';
const SLACK_TOKEN = 'xoxb-102938475610-1029384756102-Qw8Er7Ty6Ui5Op4As3Df2Gh1';
const STRIPE_KEY = 'sk_live_51Hx0QwErTyUiOpAsDfGhJkLzXcVbNm0123';
const NPM_TOKEN = 'npm_Zx81Qw0eRt2Yu4Io6Pa8Sd1Fg3Hj5Kl7Mn9B';
const GOOGLE_KEY = 'AIzaSyB1c2D3e4F5g6H7i8J9k0L1m2N3o4P5q6R';
const SENDGRID_KEY = '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';
const CONTEXT = { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' as const } };

it('masks provider tokens in every event field', () => {
  const request = makeRequest(`/hooks/${GOOGLE_KEY}?q=${NPM_TOKEN}&page=2`, [
    ['x-deploy-note', `deployed by ${GITHUB_TOKEN}`],
    ['content-type', 'application/json'],
  ], 'POST');
  request.body = body(JSON.stringify({ gh: GITHUB_TOKEN, slack: SLACK_TOKEN, stripe: STRIPE_KEY, user: 'ada' }));
  const response = makeResponse(500, [['content-type', 'text/plain']]);
  response.body = body(`config error: SENDGRID_API_KEY=${SENDGRID_KEY} is rejected`);
  const record = makeRecord(logDecision({ includeHeaders: 'all', includeRequestBody: 4096, includeResponseBody: 4096, fields: { note: `copied ${SLACK_TOKEN}` } }));
  record.payloads.push({ rule: 'attach', class: 'sqli', detector: 'sqli.tokens', location: 'body.stripe', matched: `' OR 1=1 -- ${STRIPE_KEY}`, maxBytes: 256 });
  record.redaction = makeSpec({});

  const event = buildSecurityEvent(makeExchange(request, response), record, CONTEXT);
  const line = JSON.stringify(event);

  for (const secret of [GITHUB_TOKEN, SLACK_TOKEN, STRIPE_KEY, NPM_TOKEN, GOOGLE_KEY, SENDGRID_KEY]) {
    assert.equal(line.includes(secret), false, `the event contains ${secret.slice(0, 4)}…`);
  }
  assert.ok(line.includes('"user":"ada"') || line.includes('\\"user\\":\\"ada\\"'), 'other body fields stay');
  assert.ok(line.includes('page=2'), 'other parameters stay');
  const fields = new Set(event.ctxproc.redactions.filter((entry) => entry.reason === 'provider_token' && entry.rule === 'ctxproc.baseline').map((entry) => entry.field));
  for (const field of ['http.request.path', 'http.request.query.q', 'http.request.headers.x-deploy-note', 'http.request.body', 'http.response.body', 'ctxproc.fields.note']) {
    assert.ok(fields.has(field), `no provider_token redaction of ${field}`);
  }
  assert.equal(event.ctxproc.payloads?.[0]?.matched, "' OR 1=1 -- [REDACTED:provider_token]");
});

it('masks provider tokens in form fields', () => {
  const request = makeRequest('/settings', [['content-type', 'application/x-www-form-urlencoded']], 'POST');
  request.body = body(`user=ada&gh=${GITHUB_TOKEN}&note=${encodeURIComponent(`use ${STRIPE_KEY} today`)}`);
  const record = makeRecord(logDecision({ includeRequestBody: 4096 }));
  record.redaction = makeSpec({});

  const event = buildSecurityEvent(makeExchange(request), record, CONTEXT);

  assert.equal(event.ctxproc.body?.request?.content, 'user=ada&gh=[REDACTED:provider_token]&note=use%20[REDACTED:provider_token]%20today');
  assert.deepEqual(event.ctxproc.redactions.map((entry) => `${entry.reason} ${entry.rule}`), ['provider_token ctxproc.baseline']);
});

it('masks webhook signature and session id headers', () => {
  const headers: Array<[string, string]> = [
    ['x-hub-signature', 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6'],
    ['x-hub-signature-256', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'],
    ['x-slack-signature', 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503'],
    ['stripe-signature', 't=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd'],
    ['x-twilio-signature', 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    ['x-shopify-hmac-sha256', 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM='],
    ['x-hubspot-signature', '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de'],
    ['x-hubspot-signature-v3', 'fwv3n6DfYp5WJm/8yXGQq3W1oEZ4/yCq7MvL3KK7TlI='],
    ['webhook-signature', 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='],
    ['x-session-id', 'SESS-0a9b8c7d6e5f4a3b'],
    ['session-id', 'SESS-1b2c3d4e5f6a7b8c'],
  ];
  const request = makeRequest('/webhook', [...headers, ['user-agent', 'GitHub-Hookshot/5a1b2c3']], 'POST');
  const record = makeRecord(logDecision({ includeHeaders: 'all' }));
  record.redaction = makeSpec({});

  const event = buildSecurityEvent(makeExchange(request), record, CONTEXT);

  for (const [name, value] of headers) {
    assert.equal(event.ctxproc.headers?.request?.[name], '[REDACTED:header]', `${name} is not masked`);
    assert.equal(JSON.stringify(event).includes(value), false, `the event contains the value of ${name}`);
  }
  assert.equal(event.ctxproc.headers?.request?.['user-agent'], 'GitHub-Hookshot/5a1b2c3');
});

it('gives body fields the named_value reason', () => {
  const request = makeRequest('/login?password=qp-Secret-771', [['content-type', 'application/json']], 'POST');
  request.body = body('{"user":"ada","password":"jb-Secret-442","pin":"8642"}');
  const record = makeRecord(logDecision({ includeRequestBody: 4096 }));
  record.redaction = makeSpec({});

  const event = buildSecurityEvent(makeExchange(request), record, CONTEXT);

  assert.equal(event.ctxproc.body?.request?.content, '{"user":"ada","password":"[REDACTED:named_value]","pin":"[REDACTED:named_value]"}');
  const reasons = new Set(event.ctxproc.redactions.map((entry) => `${entry.field} ${entry.reason}`));
  assert.ok(reasons.has('http.request.body named_value'));
  assert.ok(reasons.has('http.request.query.password query_param'));
  assert.equal(reasons.has('http.request.body query_param'), false);
});

it('gives form body fields the named_value reason', () => {
  const request = makeRequest('/login', [['content-type', 'application/x-www-form-urlencoded']], 'POST');
  request.body = body('user=ada&pass=fp-Secret-913&client_secret=cs-Secret-208');
  const record = makeRecord(logDecision({ includeRequestBody: 4096 }));
  record.redaction = makeSpec({});

  const event = buildSecurityEvent(makeExchange(request), record, CONTEXT);

  assert.equal(event.ctxproc.body?.request?.content, 'user=ada&pass=[REDACTED:named_value]&client_secret=[REDACTED:named_value]');
  assert.deepEqual(event.ctxproc.redactions.map((entry) => entry.reason), ['named_value']);
});
