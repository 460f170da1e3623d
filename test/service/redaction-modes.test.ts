// Sends canary values through real ext_proc transactions to test the
// redaction modes (hmac, partial, remove), JSON-path targets and the PII and
// key detectors. No canary may reach the security events, the operational
// log or the dynamic metadata, in any common encoding.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EnvoyClient, type TransactionResult } from '../../src/client/envoy-client.js';
import { assertNoSecretForms } from '../helpers/secret-forms.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

const EMAIL = 'canary.person+shop@example.org';
const CUSTOMER = 'cust-8f2a61d94b07e3c5';
const IBAN = 'DE89370400440532013000';
const SSN = '219-09-9999';
const ACCOUNT = 'acct-55c1e9a7b3d2';
const SECRET_ANSWER = 'my first pet was Rex-4471';
const DEVICE = 'dev-0c9e8b7a6f5d';
const AWS_KEY_ID = 'AKIAZ7QX3CANARY4KEY1';
const AWS_SECRET = 'Zq9/Xw2+Lm4Np6Rt0Vy8Uk3Jh5Gf7Ds1Aq2We4Rt';
const PEM_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7canary';
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`;

const SECRETS = [EMAIL, CUSTOMER, IBAN, SSN, ACCOUNT, SECRET_ANSWER, DEVICE, AWS_KEY_ID, AWS_SECRET, PEM_BODY];

const HMAC_KEY_VARIABLE = 'CTXPROC_CANARY_HMAC_KEY';

const RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: canaries }
rules:
  - id: pii-hmac
    description: Correlates customers without showing them.
    actions:
      - redact: { detectors: [email], headers: [x-customer], mode: hmac, hmac_key: { env: ${HMAC_KEY_VARIABLE} } }
  - id: pii-partial
    description: Keeps the last four of bank data.
    actions:
      - redact: { detectors: [iban, us_ssn], query_params: [account], mode: partial }
  - id: pii-remove
    description: Drops answers and device ids.
    actions:
      - redact: { json_paths: ["$.profile.secret_answer"], cookies: [device], mode: remove }
  - id: log-everything
    description: Logs and copies as much as a careless author would.
    actions:
      - log:
          include: { headers: all, request_body: 8192, response_body: 8192 }
          fields:
            customer: "request.headers['x-customer']"
            query: request.query
            body: request.body
            answer_tail: "request.json.profile.secret_answer.substring(3)"
            answer_upper: "string(request.json.profile.secret_answer).upper()"
      - set_field: { name: customer_copy, expression: "request.headers['x-customer'] + '/' + request.headers['cookie']" }
      - set_metadata: { key: customer, expression: "request.headers['x-customer']" }
      - set_metadata: { key: query, expression: request.query }
      - set_metadata: { key: agent, expression: "request.headers['user-agent']" }
`;

let ctxproc: TestService;
let rulesDir: string;
const results: TransactionResult[] = [];

before(async () => {
  process.env[HMAC_KEY_VARIABLE] = 'canary-hmac-key-0123456789abcdef0123456789';
  rulesDir = mkdtempSync(path.join(tmpdir(), 'ctxproc-canaries-'));
  writeFileSync(path.join(rulesDir, 'canaries.yaml'), RULES);
  ctxproc = await startTestService({ rules: rulesDir });

  const client = new EnvoyClient({
    target: ctxproc.target,
    processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' },
  });
  const body = JSON.stringify({
    email: EMAIL,
    iban: IBAN,
    profile: { ssn: SSN, secret_answer: SECRET_ANSWER },
    aws: `aws_secret_access_key=${AWS_SECRET}`,
    key: PEM,
  });
  for (let round = 0; round < 2; round++) {
    const result = await client.run(
      {
        method: 'POST',
        path: `/profile?account=${ACCOUNT}&contact=${encodeURIComponent(EMAIL)}&ref=${AWS_KEY_ID}`,
        scheme: 'https',
        authority: 'shop.example',
        headers: [['x-customer', CUSTOMER], ['cookie', `device=${DEVICE}; lang=en`], ['content-type', 'application/json'], ['user-agent', `probe ${EMAIL}`]],
        body: Buffer.from(body),
      },
      () => ({
        status: 200,
        headers: [['content-type', 'text/plain']],
        body: Buffer.from(`saved ${EMAIL} with ${IBAN} and ssn ${SSN}`),
      }),
    );
    results.push(result);
  }
  client.close();
  await waitFor(() => ctxproc.events.length >= 2);
});

after(async () => {
  await ctxproc.stop();
  rmSync(rulesDir, { recursive: true, force: true });
  delete process.env[HMAC_KEY_VARIABLE];
});

test('canary transactions were logged', () => {
  assert.equal(ctxproc.events.length, 2);
  for (const result of results) {
    assert.deepEqual(result.protocolErrors, []);
  }
});

test('no canary in security events', () => {
  assertNoSecretForms(ctxproc.eventLines.join('\n'), SECRETS, 'security events contain a canary');
});

test('no canary in operational logs', () => {
  assertNoSecretForms(ctxproc.logLines.join('\n'), SECRETS, 'operational logs contain a canary');
});

test('no canary in dynamic metadata', () => {
  assertNoSecretForms(JSON.stringify(results.map((result) => result.dynamicMetadata)), SECRETS, 'dynamic metadata contains a canary');
  const metadata = results[0]!.dynamicMetadata.ctxproc as Record<string, string>;
  assert.match(metadata.customer ?? '', /^\[REDACTED:header:hmac=[0-9a-f]{16}\]$/);
});

test('no value derived from a JSON-path secret', () => {
  const derived = [SECRET_ANSWER.substring(3), SECRET_ANSWER.toUpperCase()];
  const output = [...ctxproc.eventLines, JSON.stringify(results.map((result) => result.dynamicMetadata))].join('\n');
  assertNoSecretForms(output, derived, 'a value derived from a redacted JSON path leaked');
});

test('a copied header keeps its hmac fingerprint', () => {
  const event = ctxproc.events[0]!;
  assert.equal(JSON.stringify(event.ctxproc.fields.customer), JSON.stringify(event.ctxproc.headers.request['x-customer']));
});

test('hmac fingerprints correlate across events', () => {
  const [first, second] = ctxproc.events.map((event) => JSON.stringify(event.ctxproc.fields.customer));
  assert.match(first ?? '', /hmac=[0-9a-f]{16}/);
  assert.equal(first, second);
});

test('partial keeps only the last four', () => {
  const output = ctxproc.eventLines[0]!;
  assert.ok(output.includes('[REDACTED:iban:last4=3000]'), 'the IBAN mask with its last four is missing');
  assert.ok(output.includes('[REDACTED:us_ssn:last4=9999]'), 'the SSN mask with its last four is missing');
});

test('every redaction names its rule', () => {
  const entries = ctxproc.events[0]!.ctxproc.redactions as Array<{ field: string; reason: string; rule: string }>;
  const rulesByReason = new Map(entries.map((entry) => [entry.reason, entry.rule]));

  assert.equal(rulesByReason.get('email'), 'pii-hmac');
  assert.equal(rulesByReason.get('iban'), 'pii-partial');
  assert.equal(rulesByReason.get('json_path'), 'pii-remove');
  assert.equal(rulesByReason.get('aws_access_key'), 'ctxproc.baseline');
  assert.equal(rulesByReason.get('private_key'), 'ctxproc.baseline');
  assert.ok(entries.some((entry) => entry.field === 'http.request.body.profile.secret_answer'));
});
