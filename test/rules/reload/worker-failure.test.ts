// A reload whose parsing worker fails: the worker's script cannot load, so
// the thread fails for real. The check must be counted and logged as
// failed, keep the active set, and leave the files to the next check,
// which loads them once the worker can start.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../../../src/log/logger.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { loadRuleSet } from '../../../src/rules/load.js';
import { LiveRules } from '../../../src/rules/reload/live-rules.js';
import { RuleReloader } from '../../../src/rules/reload/reloader.js';
import { ruleSetYaml, temporaryDirectory } from '../builders.js';

const REAL_WORKER_URL = new URL('../../../src/rules/reload/parse-worker.js', import.meta.url);

function rulesWithId(id: string): string {
  return ruleSetYaml(`  - id: ${id}\n    description: Tags every request.\n    actions:\n      - tag: { rule_set: ${id} }\n`);
}

function captureLogs(): { lines: Array<Record<string, any>>; stream: PassThrough } {
  const lines: Array<Record<string, any>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter((text) => text !== '')) {
      lines.push(JSON.parse(line) as Record<string, any>);
    }
  });
  return { lines, stream };
}

async function reloadCount(metrics: Metrics, result: string): Promise<number> {
  const values = (await metrics.ruleReloads.get()).values;
  return values.find((value) => value.labels.result === result)?.value ?? 0;
}

test('failed parse worker retried next check', async () => {
  const rulesDirectory = temporaryDirectory();
  const rulesFile = path.join(rulesDirectory, 'rules.yaml');
  fs.writeFileSync(rulesFile, rulesWithId('first'));
  const live = new LiveRules(loadRuleSet(rulesDirectory));
  const firstVersion = live.ruleSet.version;
  const metrics = new Metrics({ processMetrics: false });
  const logs = captureLogs();
  // Missing until the test writes it, so the first worker fails to load its script.
  const workerScript = path.join(temporaryDirectory(), 'parse-worker.js');
  const reloader = new RuleReloader({
    target: rulesDirectory,
    live,
    logger: createLogger({ level: 'info', destination: logs.stream }),
    metrics,
    verify: async () => [],
    parseWorkerUrl: pathToFileURL(workerScript),
  });

  fs.writeFileSync(rulesFile, rulesWithId('second'));
  const failed = await reloader.check();
  const versionAfterFailure = live.ruleSet.version;
  fs.writeFileSync(workerScript, `import ${JSON.stringify(REAL_WORKER_URL.href)};\n`);
  const retried = await reloader.check();
  await new Promise((resolve) => setImmediate(resolve));

  assert.equal(failed, 'failed');
  assert.equal(versionAfterFailure, firstVersion);
  assert.equal(await reloadCount(metrics, 'failed'), 1);
  assert.equal(await reloadCount(metrics, 'rejected'), 0);
  assert.equal(live.lastRejected, null, 'a worker failure is not a rejection of the files');
  const logged = logs.lines.filter((line) => line.message?.startsWith('checking the changed rule set'));
  assert.equal(logged.length, 1);
  assert.equal(logged[0]?.status, 'error');
  assert.equal(logged[0]?.rules_path, rulesDirectory);
  assert.equal(logged[0]?.rules_version, firstVersion);
  assert.match(logged[0]?.err?.message, /the rule parsing worker failed: Cannot find module/);
  assert.match(logged[0]?.message, /still serving rule set .* and the next check tries again$/);

  assert.equal(retried, 'applied');
  assert.notEqual(live.ruleSet.version, firstVersion);
  assert.equal(logged[0]?.changed_rules_version, live.ruleSet.version);
  assert.deepEqual(live.ruleSet.rules.map((rule) => rule.id), ['second']);
  assert.equal(await reloadCount(metrics, 'applied'), 1);
});
