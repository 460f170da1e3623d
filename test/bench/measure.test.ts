import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DriverProcess } from '../../bench/driver-process.js';
import { measureScenario, type Profile } from '../../bench/measure.js';
import { scenarioReport } from '../../bench/report.js';
import { writeRuleSet } from '../../bench/rule-sets.js';
import { SCENARIOS } from '../../bench/scenarios.js';
import { CTXPROC_NODE_FLAGS, startBaseline, startCtxproc } from '../../bench/servers.js';
import { REPO_ROOT } from '../helpers/service-harness.js';

/** Windows short enough for a test; the figures are checked for shape and consistency, not for speed. */
const TINY_PROFILE: Profile = { warmupMs: 100, windows: 1, windowMs: 300, openLoopWarmupMs: 100, openLoopMs: 300 };

test('ctxproc open loop is repeated against the floor', async (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-bench-measure-'));
  const driver = DriverProcess.start(REPO_ROOT, null);
  const server = await startCtxproc(REPO_ROOT, writeRuleSet(directory, REPO_ROOT, { generated: 0 }), null);
  const floor = await startBaseline(REPO_ROOT, null, CTXPROC_NODE_FLAGS, 'http2_floor');
  context.after(async () => {
    driver.stop();
    await server.stop();
    await floor.stop();
    rmSync(directory, { recursive: true, force: true });
  });
  const scenario = SCENARIOS.find((candidate) => candidate.name === 'headers_default')!;

  const figures = await measureScenario(scenario, server, driver, TINY_PROFILE, floor);
  const report = scenarioReport(figures);

  assert.ok(figures.openLoop, 'the open loop ran');
  assert.ok(figures.floorOpenLoop, 'the floor open loop ran');
  assert.equal(figures.floorOpenLoop.ratePerSecond, figures.openLoop.ratePerSecond);
  assert.equal(figures.openLoop.failed, 0);
  assert.equal(figures.floorOpenLoop.failed, 0);
  assert.equal(report.p99_added_ms, Number((figures.openLoop.p99Ms - figures.floorOpenLoop.p99Ms).toFixed(3)));
  assert.ok(report.open_loop_server_gc !== null, 'ctxproc reports its GC pauses');
  assert.ok(report.open_loop_server_gc.over_1ms_count <= report.open_loop_server_gc.count);
  assert.ok(report.open_loop_server_gc.over_10ms_count <= report.open_loop_server_gc.over_1ms_count);
  assert.ok(report.open_loop_driver!.closed_loop_cpu_us_per_tx > 0);
  assert.ok(Number.isFinite(report.open_loop_driver!.server_run_queue_wait_share));
  assert.ok(report.event_loop_delay_max_ms > 0, 'the GC scrapes leave the event-loop window to read');
});
