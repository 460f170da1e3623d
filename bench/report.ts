// Turns the measured figures into the JSON report and the target checks.
// Ratios compare scenarios of the same run only, because figures from
// different runs on a shared machine are not comparable.
import os from 'node:os';
import { median, type OpenLoopFigures, type ScenarioFigures } from './measure.js';
import type { Scenario } from './scenarios.js';

export interface ScenarioReport {
  cpu_us_per_tx: number;
  cpu_us_per_tx_min: number;
  cpu_us_per_tx_max: number;
  ratio_to_baseline: number | null;
  throughput_tx_per_s: number;
  /** Latency of the open loop at half the maximum rate. `resets` reports its closed loop and `hold` its whole run. */
  p50_ms: number;
  p99_ms: number;
  p999_ms: number | null;
  open_loop_rate_tx_per_s: number | null;
  /** The open loop's p99 minus the latency floor's p99 at the same rate and traffic, measured right after it. */
  p99_added_ms: number | null;
  /** The latency floor's (node:http2, ctxproc's Node flags) open-loop p99 at the same rate. */
  floor_p99_ms: number | null;
  /** ctxproc's garbage-collection pauses during the open loop, warm-up included. */
  open_loop_server_gc: { count: number; major_count: number; over_1ms_count: number; over_10ms_count: number; total_ms: number } | null;
  /** The open loop's p99 counted from when the driver opened each stream instead of from when it was due. */
  p99_from_send_ms: number | null;
  /** The driver's own figures in the open loop, to tell its delays from the server's. */
  open_loop_driver: OpenLoopDriverReport | null;
  closed_loop_p99_ms: number;
  /** Server CPU time over wall time in the closed loop. Well under 1 means the driver, not the server, set the maximum rate. */
  closed_loop_server_cpu_share: number;
  rss_mb: number;
  held_rss_mb: number | null;
  rss_ratio_to_baseline: number | null;
  event_loop_delay_p99_ms: number;
  event_loop_delay_max_ms: number;
  completed: number;
  failed: number;
}

export interface OpenLoopDriverReport {
  /** The limit that set the open loop's rate: half the server's maximum, or what the driver can send (see docs/benchmarks.md). */
  rate_limited_by: 'server' | 'driver';
  cpu_share: number;
  /** Driver CPU per transaction in the closed loop, in microseconds, from which its rate limit is estimated. */
  closed_loop_cpu_us_per_tx: number;
  /** Time the driver's and the server's event loops waited for their cores, over wall time: the machine's contention. */
  run_queue_wait_share: number;
  server_run_queue_wait_share: number;
  send_lag_p99_ms: number;
  send_lag_max_ms: number;
  event_loop_delay_max_ms: number;
  gc_count: number;
  gc_max_ms: number;
  /** p99 of the transactions due in each tenth of the measured part. */
  p99_by_tenth_ms: number[];
  floor_cpu_share: number | null;
  /** The larger of the driver's and the floor server's run-queue wait shares in the floor's open loop. */
  floor_run_queue_wait_share: number | null;
}

export interface Target {
  description: string;
  value: number | null;
  limit: number;
  /** Null when the scenarios did not run, or when the machine was too contended to judge (see `note`). */
  met: boolean | null;
  note?: string;
}

/**
 * Largest share of the open loop's wall time that the driver or the server
 * may wait in the run queue for a p99 to be judged against a 1 ms target:
 * at 5% a 1 s loop already contains 50 ms of waits, enough to fill the p99.
 */
export const CONTENTION_LIMIT = 0.05;

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

export function scenarioReport(figures: ScenarioFigures): Omit<ScenarioReport, 'ratio_to_baseline' | 'rss_ratio_to_baseline'> {
  const cpu = figures.windows.map((window) => window.cpuUsPerTx);
  const open = figures.openLoop;
  const closedP99 = median(figures.windows.map((window) => window.p99Ms));
  const floor = figures.floorOpenLoop;
  const throughput = median(figures.windows.map((window) => window.throughputTxPerS));
  return {
    cpu_us_per_tx: round(median(cpu), 1),
    cpu_us_per_tx_min: round(Math.min(...cpu), 1),
    cpu_us_per_tx_max: round(Math.max(...cpu), 1),
    throughput_tx_per_s: Math.round(throughput),
    p50_ms: round(open?.p50Ms ?? median(figures.windows.map((window) => window.p50Ms))),
    p99_ms: round(open?.p99Ms ?? closedP99),
    p999_ms: open ? round(open.p999Ms) : null,
    open_loop_rate_tx_per_s: open?.ratePerSecond ?? null,
    p99_added_ms: open && floor ? round(open.p99Ms - floor.p99Ms) : null,
    floor_p99_ms: floor ? round(floor.p99Ms) : null,
    p99_from_send_ms: open ? round(open.fromSendP99Ms) : null,
    open_loop_server_gc: open?.serverGc ? { count: open.serverGc.count, major_count: open.serverGc.majorCount, over_1ms_count: open.serverGc.over1MsCount, over_10ms_count: open.serverGc.over10MsCount, total_ms: round(open.serverGc.totalMs, 1) } : null,
    open_loop_driver: open ? driverReport(open, floor, median(figures.windows.map((window) => window.driverCpuUsPerTx))) : null,
    closed_loop_p99_ms: round(closedP99),
    closed_loop_server_cpu_share: round((median(cpu) * throughput) / 1e6, 2),
    rss_mb: round(figures.peakRssMb, 1),
    held_rss_mb: figures.heldRssMb === null ? null : round(figures.heldRssMb, 1),
    event_loop_delay_p99_ms: round(figures.eventLoopDelay.p99Ms),
    event_loop_delay_max_ms: round(figures.eventLoopDelay.maxMs),
    completed: figures.windows.reduce((sum, window) => sum + window.completed, 0) + (open?.completed ?? 0),
    failed: figures.windows.reduce((sum, window) => sum + window.failed, 0) + (open?.failed ?? 0),
  };
}

function driverReport(open: OpenLoopFigures, floor: OpenLoopFigures | null, closedLoopCpuUsPerTx: number): OpenLoopDriverReport {
  return {
    rate_limited_by: open.rateLimitedBy,
    cpu_share: round(open.driver.cpuShare, 2),
    closed_loop_cpu_us_per_tx: round(closedLoopCpuUsPerTx, 1),
    run_queue_wait_share: round(open.driver.runQueueWaitShare, 3),
    server_run_queue_wait_share: round(open.serverRunQueueWaitShare, 3),
    send_lag_p99_ms: round(open.sendLagP99Ms),
    send_lag_max_ms: round(open.sendLagMaxMs),
    event_loop_delay_max_ms: round(open.driver.loopDelayMaxMs),
    gc_count: open.driver.gcCount,
    gc_max_ms: round(open.driver.gcMaxMs),
    p99_by_tenth_ms: open.p99BySliceMs.map((value) => round(value)),
    floor_cpu_share: floor ? round(floor.driver.cpuShare, 2) : null,
    floor_run_queue_wait_share: floor ? round(Math.max(floor.driver.runQueueWaitShare, floor.serverRunQueueWaitShare), 3) : null,
  };
}

/** Adds each scenario's ratios to its baseline. */
export function withRatios(scenarios: Scenario[], reports: Map<string, ReturnType<typeof scenarioReport>>): Record<string, ScenarioReport> {
  const result: Record<string, ScenarioReport> = {};
  for (const scenario of scenarios) {
    const report = reports.get(scenario.name);
    if (!report) {
      continue;
    }
    const baseline = scenario.baseline ? reports.get(scenario.baseline) : undefined;
    result[scenario.name] = {
      ...report,
      ratio_to_baseline: baseline ? round(report.cpu_us_per_tx / baseline.cpu_us_per_tx, 2) : null,
      rss_ratio_to_baseline: baseline ? round((report.held_rss_mb ?? report.rss_mb) / (baseline.held_rss_mb ?? baseline.rss_mb), 2) : null,
    };
  }
  return result;
}

/** Checks the performance targets that the measured scenarios allow; a target whose scenarios did not run has `met: null`. */
export function checkTargets(reports: Record<string, ScenarioReport>): Record<string, Target> {
  const cpu = (name: string): number | null => reports[name]?.cpu_us_per_tx ?? null;
  const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : round(a / b, 2));
  const target = (description: string, value: number | null, limit: number): Target => ({ description, value, limit, met: value === null ? null : value <= limit });

  return {
    headers_cpu_vs_baseline: target('server CPU per headers-only transaction, default rules, over the baseline', reports.headers_default?.ratio_to_baseline ?? null, 1.0),
    headers_grpc_js_cpu_vs_baseline: target('the same with --transport grpc-js', reports.headers_grpc_js?.ratio_to_baseline ?? null, 1.0),
    rules_1000_vs_10: target('server CPU per transaction with 1,000 rules over 10 rules', ratio(cpu('rules_1000'), cpu('rules_10')), 1.5),
    p99_added_at_half_saturation_ms: latencyTarget('p99 latency in ms added over the node:http2 floor at half the maximum rate, default rules', reports.headers_default),
    p99_added_grpc_js_ms: latencyTarget('the same with --transport grpc-js', reports.headers_grpc_js),
    body_vs_headers: target('server CPU per transaction with a 16 KB JSON body inspected over headers only', ratio(cpu('body_16k'), cpu('headers_default')), 2.0),
    hold_10k_rss_mb: target('resident memory in MiB with 10,000 transactions open', reports.hold_10k?.held_rss_mb ?? null, 300),
    hold_10k_grpc_js_rss_mb: target('the same with --transport grpc-js', reports.hold_10k_grpc_js?.held_rss_mb ?? null, 300),
  };
}

/** Judges `p99_added_ms` against 1 ms, unless the driver or the server waited for its core long enough to fill the p99 alone. */
function latencyTarget(description: string, report: ScenarioReport | undefined): Target {
  const value = report?.p99_added_ms ?? null;
  const driver = report?.open_loop_driver;
  if (value === null || !driver) {
    return { description, value, limit: 1.0, met: null };
  }
  const wait = Math.max(driver.run_queue_wait_share, driver.server_run_queue_wait_share, driver.floor_run_queue_wait_share ?? 0);
  if (!(wait <= CONTENTION_LIMIT)) {
    const note = `not judged: the driver or the server waited for its core ${(wait * 100).toFixed(1)}% of the open loop (limit ${CONTENTION_LIMIT * 100}%); rerun on a quiet machine`;
    return { description, value, limit: 1.0, met: null, note };
  }
  return { description, value, limit: 1.0, met: value <= 1.0 };
}

/** Describes the machine, so a reader can tell a quiet run from a shared one. */
export function machineReport(pinned: boolean): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    load_average_1m: round(os.loadavg()[0] ?? 0, 2),
    node: process.versions.node,
    pinned,
  };
}

/** Formats the scenario figures as an aligned text table. */
export function formatTable(reports: Record<string, ScenarioReport>): string {
  const columns: Array<[string, (report: ScenarioReport) => string]> = [
    ['cpu µs/tx', (r) => `${r.cpu_us_per_tx} (${r.cpu_us_per_tx_min}–${r.cpu_us_per_tx_max})`],
    ['× base', (r) => (r.ratio_to_baseline === null ? '' : String(r.ratio_to_baseline))],
    ['max tx/s', (r) => String(r.throughput_tx_per_s)],
    ['p50 ms', (r) => String(r.p50_ms)],
    ['p99 ms', (r) => String(r.p99_ms)],
    ['p99.9 ms', (r) => String(r.p999_ms ?? '')],
    ['p99 added', (r) => String(r.p99_added_ms ?? '')],
    ['rss MiB', (r) => String(r.held_rss_mb ?? r.rss_mb)],
    ['loop p99 ms', (r) => String(r.event_loop_delay_p99_ms)],
    ['failed', (r) => String(r.failed)],
  ];
  const rows = [['scenario', ...columns.map(([title]) => title)]];
  for (const [name, report] of Object.entries(reports)) {
    rows.push([name, ...columns.map(([, cell]) => cell(report))]);
  }
  const widths = rows[0]!.map((_title, index) => Math.max(...rows.map((row) => row[index]!.length)));
  return rows.map((row) => row.map((cell, index) => cell.padEnd(widths[index]!)).join('  ').trimEnd()).join('\n');
}
