// Live reload under traffic: a ConfigMap volume is updated the way the
// kubelet does it while the Envoy-faithful client keeps sending requests.
// The new rule set must take effect within 2 seconds without failing a
// transaction, and broken rule sets written next must be rejected while the
// active one keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { EnvoyClient, type TransactionResult } from '../../../src/client/envoy-client.js';
import { startTestService, waitFor, type TestService } from '../../helpers/service-harness.js';
import { createConfigMapVolume, updateConfigMapVolume } from './configmap-volume.js';

/** A rule set that stamps the upstream request with its version name, and tests that it does. */
function versionedRules(name: string, testedValue = name): string {
  return `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: live-${name} }
rules:
  - id: stamp-version
    description: Tells the upstream which rule set handled the request.
    actions:
      - set_header: { to: upstream, name: x-rules, value: "'${name}'" }
tests:
  - name: the upstream sees the version
    request: { path: /stamp }
    expect:
      upstream_headers: { x-rules: ${testedValue} }
`;
}

const BROKEN_CEL = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: live-broken }
rules:
  - id: stamp-version
    description: A condition that does not parse.
    when: "request.path ==="
    actions:
      - set_header: { to: upstream, name: x-rules, value: "'v3'" }
`;

interface Sent {
  result: TransactionResult;
  startedAt: number;
}

/** Sends requests from `workers` loops until stop() is called, or the count or time bound is reached. */
function steadyTraffic(target: string, workers: number) {
  // 1 s instead of Envoy's 200 ms message timeout: the machine running the
  // tests is shared, and this test is about correctness, not latency.
  const client = new EnvoyClient({ target, messageTimeoutMs: 1000 });
  const sent: Sent[] = [];
  const maxTransactions = 5000;
  const deadline = Date.now() + 30_000;
  let stopped = false;

  const loop = async (): Promise<void> => {
    while (!stopped && sent.length < maxTransactions && Date.now() < deadline) {
      const startedAt = Date.now();
      const result = await client.run(
        { method: 'GET', path: '/stamp', scheme: 'https', authority: 'shop.example', headers: [['x-request-id', 'live-reload']] },
        () => ({ status: 200, headers: [] }),
      );
      sent.push({ result, startedAt });
    }
  };
  const running = Promise.all(Array.from({ length: workers }, loop));

  return {
    sent,
    stop: async (): Promise<void> => {
      stopped = true;
      await running;
      client.close();
    },
  };
}

function stampOf(result: TransactionResult): string | null {
  const values = result.upstreamRequest?.headers.filter(([name]) => name === 'x-rules').map(([, value]) => value) ?? [];
  return values.length === 1 ? values[0]! : null;
}

function metadataVersion(result: TransactionResult): unknown {
  return (result.dynamicMetadata['ctxproc'] as Record<string, unknown> | undefined)?.['rules_version'];
}

function getJson(port: number, urlPath: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(JSON.parse(body) as Record<string, any>));
    }).on('error', reject);
  });
}

function getText(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('configmap update under traffic', async (t) => {
  const volume = createConfigMapVolume({ 'rules.yaml': versionedRules('v1') });
  t.after(() => fs.rmSync(volume, { recursive: true, force: true }));
  const ctxproc: TestService = await startTestService({ rules: volume });
  t.after(() => ctxproc.stop());
  const v1 = ctxproc.service.ruleSet.version;

  const traffic = steadyTraffic(ctxproc.target, 4);
  t.after(() => traffic.stop());
  await waitFor(() => traffic.sent.length >= 20, 10_000);

  // The update: v2 takes effect within 2 seconds of the rename.
  updateConfigMapVolume(volume, { 'rules.yaml': versionedRules('v2') });
  const swappedAt = Date.now();
  await waitFor(() => traffic.sent.some((sent) => sent.startedAt >= swappedAt && stampOf(sent.result) === 'v2'), 2000);
  const v2 = ctxproc.service.ruleSet.version;
  assert.notEqual(v2, v1);

  // A set whose rule test fails is rejected; v2 keeps serving.
  updateConfigMapVolume(volume, { 'rules.yaml': versionedRules('v3', 'v2') });
  await waitFor(() => ctxproc.service.rulesStatus().lastRejected?.problems[0]?.code === 'test_failed', 5000);
  const afterFailingTest = traffic.sent.length;
  await waitFor(() => traffic.sent.length >= afterFailingTest + 20, 10_000);

  // A set that does not compile is rejected too.
  updateConfigMapVolume(volume, { 'rules.yaml': BROKEN_CEL });
  await waitFor(() => ctxproc.service.rulesStatus().lastRejected?.problems[0]?.code === 'cel_syntax', 5000);
  const afterBrokenCel = traffic.sent.length;
  await waitFor(() => traffic.sent.length >= afterBrokenCel + 20, 10_000);

  await traffic.stop();
  const status = await getJson(ctxproc.service.adminPort!, '/rules');
  const metrics = await getText(ctxproc.service.adminPort!, '/metrics');

  // No transaction failed, and each ran on exactly one rule set.
  for (const { result } of traffic.sent) {
    assert.deepEqual(result.protocolErrors, []);
    assert.equal(result.timedOut, false);
    assert.equal(result.downstreamResponse.status, 200);
    const stamp = stampOf(result);
    assert.ok(stamp === 'v1' || stamp === 'v2', `unexpected x-rules ${String(stamp)}`);
    assert.equal(metadataVersion(result), stamp === 'v1' ? v1 : v2);
  }

  // After the failed reloads, every transaction still ran on v2.
  for (const { result } of traffic.sent.slice(afterFailingTest)) {
    assert.equal(stampOf(result), 'v2');
  }

  assert.equal(ctxproc.service.ruleSet.version, v2);
  assert.equal(status.version, v2);
  assert.equal(status.ruleCount, 1);
  assert.equal(status.testCount, 1);
  assert.equal(status.lastRejected.problems[0].code, 'cel_syntax');
  assert.equal(status.lastRejected.problems[0].line, 7);
  assert.equal(status.lastRejected.problems[0].column, 27);
  assert.match(status.lastRejected.problems[0].message, /invalid CEL in when/);
  assert.notEqual(status.lastRejected.version, v2);
  assert.match(metrics, /ctxproc_rule_reloads_total\{result="applied"\} 1\n/);
  assert.match(metrics, /ctxproc_rule_reloads_total\{result="rejected"\} 2\n/);

  const rejections = ctxproc.logs.filter((line) => line.message?.startsWith('changed rule set rejected'));
  assert.equal(rejections.length, 2);
  assert.match(rejections[0]!.problems[0].text, /rules\.yaml:\d+:\d+: test 'the upstream sees the version' failed: expected header 'x-rules'/);
  assert.equal(rejections[1]!.problems[0].line, 7);
});
