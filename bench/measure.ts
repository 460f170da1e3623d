// Runs one scenario's load against a started server and measures it: CPU
// per transaction over each window from /proc, latency from the driver's
// HDR histograms, memory and event-loop delay from the server.
import type { DriverProcess } from './driver-process.js';
import type { LoadResult } from './driver/load.js';
import type { OpenLoopResult } from './driver/open-loop.js';
import { cpuMicros, memoryMb, runQueueWaitMicros } from './process-stats.js';
import type { Scenario } from './scenarios.js';
import type { EventLoopDelay, GcPauses, ServerUnderTest } from './servers.js';

/** Window lengths and repeats; `--quick` picks the short one. */
export interface Profile {
  warmupMs: number;
  windows: number;
  windowMs: number;
  /** Unrecorded start of each open loop, at its rate, in milliseconds. */
  openLoopWarmupMs: number;
  openLoopMs: number;
}

/**
 * The quick run's closed-loop warm-up is 1.5 s because a fresh server's
 * first second of load cost up to 1.4 times its steady state (six fresh
 * ctxproc servers in a row, docs/benchmarks.md).
 */
export const QUICK_PROFILE: Profile = { warmupMs: 1500, windows: 3, windowMs: 1000, openLoopWarmupMs: 200, openLoopMs: 1000 };
export const FULL_PROFILE: Profile = { warmupMs: 3000, windows: 5, windowMs: 5000, openLoopWarmupMs: 1000, openLoopMs: 10_000 };

/** Upper bound on transactions in one window, far above what one core serves, so every loop ends. */
const MAX_TRANSACTIONS_PER_WINDOW = 2_000_000;

/** HTTP/2 connections from the driver, as from a few Envoy workers; `hold` spreads 10,000 streams over more. */
const CONNECTIONS = 4;
const HOLD_CONNECTIONS = 10;

/** One closed-loop window. */
export interface WindowFigures {
  cpuUsPerTx: number;
  throughputTxPerS: number;
  completed: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** Driver CPU time per transaction, in microseconds, or NaN for `hold`, whose driver is idle while it waits. */
  driverCpuUsPerTx: number;
}

export interface ScenarioFigures {
  windows: WindowFigures[];
  /** The open loop at half the measured maximum rate; absent for `resets` and `hold`. */
  openLoop: OpenLoopFigures | null;
  /** The latency floor server's open loop at the same rate and traffic, when the run has one. */
  floorOpenLoop: OpenLoopFigures | null;
  eventLoopDelay: EventLoopDelay;
  peakRssMb: number;
  /** Resident memory while every transaction of `hold` was open. */
  heldRssMb: number | null;
  held: number | null;
}

export type OpenLoopFigures = OpenLoopResult & {
  ratePerSecond: number;
  /** The limit that set the rate: half the server's maximum, or the driver's own limit. */
  rateLimitedBy: 'server' | 'driver';
  cpuUsPerTx: number;
  /** Time the server's event loop waited for its core, over the open loop's wall time. */
  serverRunQueueWaitShare: number;
  /** The server's garbage-collection pauses over the open loop, warm-up included, or null where the server does not report them. */
  serverGc: GcPauses | null;
};

/**
 * Share of its core the driver may spend in an open loop, estimated from
 * its CPU per transaction in the closed loop. Above it the driver's own
 * queueing shows as server latency. An open loop costs the driver 1.35 to 2
 * times more per transaction than a closed loop, which handles more per
 * event-loop turn (six open loops in four runs at load average 5 to 10).
 * So 0.35 keeps the driver under about 70% of its core, an estimate.
 */
const DRIVER_CPU_SHARE_LIMIT = 0.35;

/**
 * Measures one scenario. With `latencyFloor`, a throughput scenario's open
 * loop is repeated against that server at the same rate and traffic right
 * after, so the report can subtract the latency that Node's HTTP/2, the
 * driver and the machine add to any server.
 */
export async function measureScenario(scenario: Scenario, server: ServerUnderTest, driver: DriverProcess, profile: Profile, latencyFloor: ServerUnderTest | null = null): Promise<ScenarioFigures> {
  const connections = scenario.load === 'hold' ? HOLD_CONNECTIONS : CONNECTIONS;
  await driver.run({ command: 'connect', port: server.port, connections, shape: scenario.shape });
  let figures: ScenarioFigures;
  try {
    figures = scenario.load === 'hold' ? await measureHold(scenario, server, driver) : await measureLoad(scenario, server, driver, profile);
  } finally {
    await driver.run({ command: 'disconnect' });
  }

  if (latencyFloor && figures.openLoop) {
    await driver.run({ command: 'connect', port: latencyFloor.port, connections, shape: scenario.shape });
    try {
      figures.floorOpenLoop = await openLoop(latencyFloor, driver, profile, figures.openLoop.ratePerSecond, figures.openLoop.rateLimitedBy);
    } finally {
      await driver.run({ command: 'disconnect' });
    }
  }
  return figures;
}

/** Runs an open loop (warm-up, then the measured part) at `ratePerSecond` and counts the server's CPU over both. */
async function openLoop(server: ServerUnderTest, driver: DriverProcess, profile: Profile, ratePerSecond: number, rateLimitedBy: OpenLoopFigures['rateLimitedBy']): Promise<OpenLoopFigures> {
  const before = cpuMicros(server.pid);
  const waitBefore = runQueueWaitMicros(server.pid);
  const startedAt = performance.now();
  const { openLoop: result } = await driver.run({
    command: 'open',
    ratePerSecond,
    maxInFlight: 10_000,
    warmupMs: profile.openLoopWarmupMs,
    durationMs: profile.openLoopMs,
    maxTransactions: MAX_TRANSACTIONS_PER_WINDOW,
  });
  const used = cpuMicros(server.pid) - before;
  const waited = runQueueWaitMicros(server.pid) - waitBefore;
  const wallMicros = (performance.now() - startedAt) * 1000;
  const started = (ratePerSecond * (profile.openLoopWarmupMs + profile.openLoopMs)) / 1000;
  return { ...result!, ratePerSecond, rateLimitedBy, cpuUsPerTx: used / Math.max(1, started), serverRunQueueWaitShare: waited / wallMicros, serverGc: null };
}

function gcDifference(after: GcPauses, before: GcPauses): GcPauses {
  return {
    count: after.count - before.count,
    majorCount: after.majorCount - before.majorCount,
    over1MsCount: after.over1MsCount - before.over1MsCount,
    over10MsCount: after.over10MsCount - before.over10MsCount,
    totalMs: after.totalMs - before.totalMs,
  };
}

async function measureLoad(scenario: Scenario, server: ServerUnderTest, driver: DriverProcess, profile: Profile): Promise<ScenarioFigures> {
  const resetAfterReplies = scenario.load === 'resets' ? 1 : undefined;
  const closed = (durationMs: number) => ({ command: 'closed' as const, concurrency: scenario.concurrency, durationMs, maxTransactions: MAX_TRANSACTIONS_PER_WINDOW, resetAfterReplies });

  await driver.run(closed(profile.warmupMs));
  await server.eventLoopDelay();

  const windows: WindowFigures[] = [];
  for (let index = 0; index < profile.windows; index += 1) {
    const before = cpuMicros(server.pid);
    const { result, driver: self } = await driver.run(closed(profile.windowMs));
    const used = cpuMicros(server.pid) - before;
    windows.push(windowFigures(result!, used, self!.cpuShare));
  }
  let eventLoopDelay = await server.eventLoopDelay();

  let open: OpenLoopFigures | null = null;
  if (scenario.load === 'throughput') {
    const halfMaximum = median(windows.map((window) => window.throughputTxPerS)) / 2;
    const driverLimit = (DRIVER_CPU_SHARE_LIMIT * 1e6) / median(windows.map((window) => window.driverCpuUsPerTx));
    const rateLimitedBy = driverLimit < halfMaximum ? 'driver' : 'server';
    // ctxproc's /metrics scrape resets its event-loop histogram, so the GC
    // scrapes go before the open loop and after the event-loop read.
    const gcBefore = (await server.gcPauses?.()) ?? null;
    open = await openLoop(server, driver, profile, Math.max(1, Math.round(Math.min(halfMaximum, driverLimit))), rateLimitedBy);
    // At half load the delay shows what a transaction waits for, not the backlog of a saturated loop.
    eventLoopDelay = await server.eventLoopDelay();
    const gcAfter = (await server.gcPauses?.()) ?? null;
    open.serverGc = gcBefore && gcAfter ? gcDifference(gcAfter, gcBefore) : null;
  }

  return { windows, openLoop: open, floorOpenLoop: null, eventLoopDelay, peakRssMb: memoryMb(server.pid).peakRssMb, heldRssMb: null, held: null };
}

async function measureHold(scenario: Scenario, server: ServerUnderTest, driver: DriverProcess): Promise<ScenarioFigures> {
  await server.eventLoopDelay();
  const before = cpuMicros(server.pid);

  const { held } = await driver.run({ command: 'hold', count: scenario.concurrency });
  const heldRssMb = memoryMb(server.pid).rssMb;
  const { result } = await driver.run({ command: 'release' });

  const used = cpuMicros(server.pid) - before;
  return {
    windows: [windowFigures(result!, used, NaN)],
    openLoop: null,
    floorOpenLoop: null,
    eventLoopDelay: await server.eventLoopDelay(),
    peakRssMb: memoryMb(server.pid).peakRssMb,
    heldRssMb,
    held: held ?? 0,
  };
}

function windowFigures(result: LoadResult, cpuUsed: number, driverCpuShare: number): WindowFigures {
  return {
    driverCpuUsPerTx: (driverCpuShare * result.elapsedMs * 1000) / Math.max(1, result.completed),
    cpuUsPerTx: cpuUsed / Math.max(1, result.completed),
    throughputTxPerS: (result.completed * 1000) / result.elapsedMs,
    completed: result.completed,
    failed: result.failed,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
