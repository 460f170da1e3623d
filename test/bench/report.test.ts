import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTargets, CONTENTION_LIMIT, type OpenLoopDriverReport, type ScenarioReport } from '../../bench/report.js';

function driverReport(waitShare: number): OpenLoopDriverReport {
  return {
    rate_limited_by: 'server',
    cpu_share: 0.3,
    closed_loop_cpu_us_per_tx: 30,
    run_queue_wait_share: waitShare,
    server_run_queue_wait_share: 0.01,
    send_lag_p99_ms: 0.2,
    send_lag_max_ms: 0.5,
    event_loop_delay_max_ms: 1.5,
    gc_count: 10,
    gc_max_ms: 1,
    p99_by_tenth_ms: [],
    floor_cpu_share: 0.3,
    floor_run_queue_wait_share: 0.01,
  };
}

function headersDefault(p99AddedMs: number, waitShare: number): Record<string, ScenarioReport> {
  const report = { p99_added_ms: p99AddedMs, open_loop_driver: driverReport(waitShare) } as ScenarioReport;
  return { headers_default: report };
}

test('the p99 target is judged on the p99 added over the floor', () => {
  const met = checkTargets(headersDefault(0.4, 0)).p99_added_at_half_saturation_ms!;
  const missed = checkTargets(headersDefault(1.6, 0)).p99_added_at_half_saturation_ms!;

  assert.deepEqual([met.value, met.met], [0.4, true]);
  assert.deepEqual([missed.value, missed.met], [1.6, false]);
});

test('the p99 target is left unjudged when a process waited for its core', () => {
  const target = checkTargets(headersDefault(0.4, CONTENTION_LIMIT * 2)).p99_added_at_half_saturation_ms!;

  assert.equal(target.met, null);
  assert.match(target.note ?? '', /waited for its core 10\.0% of the open loop/);
});

test('the p99 target is not run without the scenario', () => {
  const target = checkTargets({}).p99_added_at_half_saturation_ms!;

  assert.deepEqual([target.value, target.met, target.note], [null, null, undefined]);
});
