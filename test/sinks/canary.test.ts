// Canary secrets go into every part of a request (URL userinfo, query,
// headers, cookies, body, trailers) and of a response (Set-Cookie, body,
// trailers). They must reach no output: no sink in any format, no request
// to the intake, no spool file and no operational log line.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { REPO_ROOT, startTestService, waitFor, type TestService } from '../helpers/service-harness.js';
import { FakeIntake } from './fake-intake.js';
import { TEST_API_KEY } from './sink-fixtures.js';

const CANARY = {
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnktdXNlciJ9.Q2FuYXJ5U2lnbmF0dXJlVmFsdWUxMjM0NTY',
  card: '4012888888881881',
  session: 'canary-session-4d1f9a7e2c',
  apiKey: 'canary-apikey-8b3e6f1a9d',
  queryToken: 'canary-query-5e2a8c4b7f',
  password: 'canary-Pass-9c7e1b3d',
  userinfo: 'canary-userinfo-3f8a2d6c',
  responseCookie: 'canary-setcookie-7a4e1c9b',
  trailer: 'canary-trailer-2b6d9f3a',
  basic: Buffer.from('canary-user:canary-basic-6e1a4c8d').toString('base64'),
};

const SECRET_TEXTS = [...Object.values(CANARY), 'canary-basic-6e1a4c8d'];

function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
}

function leaksIn(name: string, text: string): string[] {
  return SECRET_TEXTS.flatMap((secret) => forms(secret).filter((form) => text.includes(form)).map((form) => `${name} contains ${form}`));
}

let ctxproc: TestService;
let directory: string;
const intake = new FakeIntake();

before(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-canary-'));
  const rules = path.join(directory, 'rules');
  cpSync(path.join(REPO_ROOT, 'rules/default.yaml'), path.join(rules, 'default.yaml'));
  cpSync(path.join(REPO_ROOT, 'test/fixtures/rules/log-bodies/log-bodies.yaml'), path.join(rules, 'log-bodies.yaml'));
  await intake.start();
  const closedIntake = new FakeIntake();
  await closedIntake.start();
  const closedUrl = closedIntake.url;
  await closedIntake.stop();

  writeFileSync(path.join(directory, 'dd-api-key'), TEST_API_KEY);
  writeFileSync(path.join(directory, 'sinks.yaml'), `sinks:
  - { name: stdout, type: stdout }
  - { name: ocsf-file, type: file, path: out/events.ocsf.jsonl, format: ocsf }
  - { name: ecs-file, type: file, path: out/events.ecs.jsonl, format: ecs }
  - name: datadog
    type: datadog
    url: ${intake.url}
    api_key_file: dd-api-key
    batch: { interval_ms: 20 }
  - name: datadog-down
    type: datadog
    format: ocsf
    url: ${closedUrl}
    api_key_file: dd-api-key
    retry: { base_ms: 20, max_ms: 50 }
    spool: { directory: spool }
`);
  ctxproc = await startTestService({ rules, sinks: path.join(directory, 'sinks.yaml') });

  const client = new EnvoyClient({
    target: ctxproc.target,
    messageTimeoutMs: 10_000,
    processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED', request_trailer_mode: 'SEND', response_trailer_mode: 'SEND' },
    requestAttributes: { 'source.address': '203.0.113.77:41000' },
  });
  await client.run(
    {
      method: 'POST',
      path: `/api/pay?token=${CANARY.queryToken}&card=${CANARY.card}`,
      scheme: 'https',
      authority: `admin:${CANARY.userinfo}@shop.example`,
      headers: [
        ['authorization', `Bearer ${CANARY.jwt}`],
        ['proxy-authorization', `Basic ${CANARY.basic}`],
        ['cookie', `sid=${CANARY.session}; theme=dark`],
        ['x-api-key', CANARY.apiKey],
        ['content-type', 'application/x-www-form-urlencoded'],
      ],
      body: Buffer.from(`password=${encodeURIComponent(CANARY.password)}&card=${CANARY.card}&jwt=${CANARY.jwt}`),
      trailers: [['x-api-key', CANARY.apiKey]],
    },
    () => ({
      status: 500,
      headers: [['content-type', 'application/json'], ['set-cookie', `sid=${CANARY.responseCookie}; Path=/; HttpOnly`]],
      body: Buffer.from(JSON.stringify({ echo: CANARY.card, token: CANARY.jwt })),
      trailers: [['x-api-key', CANARY.apiKey]],
    }),
  );
  client.close();

  await waitFor(() => intake.accepted.length === 1 && ctxproc.events.length === 1, 20_000);
  await ctxproc.stop();
});

after(() => intake.stop());

test('canary secrets reach no output', () => {
  const outputs: Array<[string, string]> = [
    ['stdout events', ctxproc.eventLines.join('\n')],
    ['operational log', ctxproc.logLines.join('\n')],
    ['OCSF file', readFileSync(path.join(directory, 'out/events.ocsf.jsonl'), 'utf8')],
    ['ECS file', readFileSync(path.join(directory, 'out/events.ecs.jsonl'), 'utf8')],
    ['intake requests', intake.requests.map((request) => request.body).join('\n')],
  ];
  const spoolDirectory = path.join(directory, 'spool');
  const spoolFiles = readdirSync(spoolDirectory);
  for (const file of spoolFiles) {
    outputs.push([`spool ${file}`, readFileSync(path.join(spoolDirectory, file), 'utf8')]);
  }

  assert.ok(spoolFiles.length > 0, 'the down sink spooled nothing');
  for (const [name, text] of outputs) {
    assert.ok(text.length > 0, `${name} is empty, so the check proves nothing`);
    assert.deepEqual(leaksIn(name, text), []);
  }
});

test('every output still carries the event', () => {
  const ocsf = JSON.parse(readFileSync(path.join(directory, 'out/events.ocsf.jsonl'), 'utf8').trim()) as Record<string, any>;
  const ecs = JSON.parse(readFileSync(path.join(directory, 'out/events.ecs.jsonl'), 'utf8').trim()) as Record<string, any>;
  const datadog = ctxproc.events[0] as Record<string, any>;

  assert.equal(ocsf.class_uid, 4002);
  assert.equal(ecs.http.request.method, 'POST');
  assert.equal(intake.accepted[0]?.ctxproc.transaction_id, datadog.ctxproc.transaction_id);
  assert.ok((datadog.ctxproc.redactions as unknown[]).length > 0);
  assert.equal(statSync(path.join(directory, 'out/events.ocsf.jsonl')).mode & 0o777, 0o600, 'event files are readable by their owner only');
});
