import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoadTarget, runClosedLoop } from '../../bench/driver/load.js';
import { buildTransactions } from '../../bench/driver/traffic.js';
import { cpuMicros, memoryMb } from '../../bench/process-stats.js';
import { writeRuleSet } from '../../bench/rule-sets.js';
import { CTXPROC_NODE_FLAGS, startBaseline, startCtxproc, type ServerUnderTest } from '../../bench/servers.js';
import { REPO_ROOT } from '../helpers/service-harness.js';

async function loadAndMeasure(server: ServerUnderTest): Promise<void> {
  const target = await LoadTarget.connect(server.port, 2, buildTransactions('headers'));
  const cpuBefore = cpuMicros(server.pid);

  const result = await runClosedLoop(target, 4, { durationMs: 60_000, maxTransactions: 300 });
  target.close();

  assert.equal(result.completed, 300);
  assert.equal(result.failed, 0);
  assert.ok(cpuMicros(server.pid) > cpuBefore, 'the server used CPU time while it served');
  assert.ok(memoryMb(server.pid).peakRssMb > 10);
  const delay = await server.eventLoopDelay();
  assert.ok(Number.isFinite(delay.p99Ms), `event-loop delay p99 is ${delay.p99Ms}`);
  assert.ok(delay.maxMs >= delay.p50Ms);
}

test('baseline server answers every phase', async (context) => {
  const server = await startBaseline(REPO_ROOT, null);
  context.after(() => server.stop());

  await loadAndMeasure(server);
});

test('ctxproc server runs generated rules', async (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-bench-servers-'));
  const server = await startCtxproc(REPO_ROOT, writeRuleSet(directory, REPO_ROOT, { generated: 10 }), null);
  context.after(async () => {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  await loadAndMeasure(server);
});

test('image and npm start pass the Node flags', () => {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)![1]!) as string[];
  const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };

  assert.deepEqual(entrypoint.slice(1, 1 + CTXPROC_NODE_FLAGS.length), CTXPROC_NODE_FLAGS);
  assert.ok(packageJson.scripts.start.includes(`exec node ${CTXPROC_NODE_FLAGS.join(' ')} dist/src/cli/index.js serve`), packageJson.scripts.start);
});
