// ctxproc's mode_override through the Envoy-faithful client: bodies that no
// rule can use for a transaction are not sent, and only when the filter
// allows overrides.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import type { HttpRequestSpec } from '../../src/client/types.js';
import { startTestService, type TestService } from '../helpers/service-harness.js';

const RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata:
  name: body-on-post
rules:
  - id: attack-in-post-body
    description: Tags POST requests whose body mentions an attack.
    when: "request.method == 'POST' && request.body.contains('attack')"
    actions:
      - set_header: { to: downstream, name: x-seen, value: "'attack'" }
`;

let ctxproc: TestService;
let rulesDir: string;

before(async () => {
  rulesDir = mkdtempSync(path.join(tmpdir(), 'ctxproc-mode-override-'));
  writeFileSync(path.join(rulesDir, 'rules.yaml'), RULES);
  ctxproc = await startTestService({ rules: rulesDir });
});

after(async () => {
  await ctxproc.stop();
  rmSync(rulesDir, { recursive: true, force: true });
});

function request(method: string, body: string): HttpRequestSpec {
  return { method, path: '/submit', scheme: 'https', authority: 'shop.example', headers: [['content-type', 'text/plain']], body: Buffer.from(body) };
}

const upstream = () => ({ status: 200, headers: [['content-type', 'text/plain']] as Array<[string, string]>, body: Buffer.from('ok') });

function client(allowModeOverride: boolean): EnvoyClient {
  return new EnvoyClient({ target: ctxproc.target, allowModeOverride, processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
}

test('get skips both bodies', async () => {
  const envoy = client(true);
  const result = await envoy.run(request('GET', 'attack'), upstream);
  envoy.close();

  assert.equal(result.messagesSent, 2, 'request_headers and response_headers only');
  assert.equal(result.downstreamResponse.status, 200);
  assert.deepEqual(result.protocolErrors, []);
});

test('post keeps request body', async () => {
  const envoy = client(true);
  const result = await envoy.run(request('POST', 'an attack'), upstream);
  envoy.close();

  assert.equal(result.messagesSent, 3, 'request_headers, request_body and response_headers');
  assert.ok(result.downstreamResponse.headers.some(([name, value]) => name === 'x-seen' && value === 'attack'));
  assert.deepEqual(result.protocolErrors, []);
});

test('override ignored without allow_mode_override', async () => {
  const envoy = client(false);
  const result = await envoy.run(request('GET', 'attack'), upstream);
  envoy.close();

  assert.equal(result.messagesSent, 4, 'every configured message');
  assert.deepEqual(result.protocolErrors, []);
});
