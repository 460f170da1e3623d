// Runs one scenario's load against a started server and measures it: CPU
// per transaction over each window from /proc, latency from the driver's
// HDR histograms, memory and event-loop delay from the server.
import type { DriverProcess } from './driver-process.js';
import type { LoadResult } from './driver/load.js';
import { cpuMicros, memoryMb } from './process-stats.js';
import type { Scenario } from './scenarios.js';
import type { EventLoopDelay, ServerUnderTest } from './servers.js';

/** Window lengths and repeats; `--quick` picks the short one. */
export interface Profile {
  warmupMs: number;
  windows: number;
  windowMs: number;
  openLoopMs: number;
}

export const QUICK_PROFILE: Profile = { warmupMs: 600, windows: 3, windowMs: 1000, openLoopMs: 1000 };
export const FULL_PROFILE: Profile = { warmupMs: 3000, windows: 5, windowMs: 5000, openLoopMs: 10_000 };

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
}

export interface ScenarioFigures {
  windows: WindowFigures[];
  /** The open loop at half the measured maximum rate; absent for `resets` and `hold`. */
  openLoop: (LoadResult & { ratePerSecond: number; cpuUsPerTx: number }) | null;
  eventLoopDelay: EventLoopDelay;
  peakRssMb: number;
  /** Resident memory while every transaction of `hold` was open. */
  heldRssMb: number | null;
  held: number | null;
}

export async function measureScenario(scenario: Scenario, server: ServerUnderTest, driver: DriverProcess, profile: Profile): Promise<ScenarioFigures> {
  const connections = scenario.load === 'hold' ? HOLD_CONNECTIONS : CONNECTIONS;
  await driver.run({ command: 'connect', port: server.port, connections, shape: scenario.shape });
  try {
    return scenario.load === 'hold' ? await measureHold(scenario, server, driver) : await measureLoad(scenario, server, driver, profile);
  } finally {
    await driver.run({ command: 'disconnect' });
  }
}

async function measureLoad(scenario: Scenario, server: ServerUnderTest, driver: DriverProcess, profile: Profile): Promise<ScenarioFigures> {
  const resetAfterReplies = scenario.load === 'resets' ? 1 : undefined;
  const closed = (durationMs: number) => ({ command: 'closed' as const, concurrency: scenario.concurrency, durationMs, maxTransactions: MAX_TRANSACTIONS_PER_WINDOW, resetAfterReplies });

  await driver.run(closed(profile.warmupMs));
  await server.eventLoopDelay();

  const windows: WindowFigures[] = [];
  for (let index = 0; index < profile.windows; index += 1) {
    const before = cpuMicros(server.pid);
    const { result } = await driver.run(closed(profile.windowMs));
    const used = cpuMicros(server.pid) - before;
    windows.push(windowFigures(result!, used));
  }
  let eventLoopDelay = await server.eventLoopDelay();

  let openLoop: ScenarioFigures['openLoop'] = null;
  if (scenario.load === 'throughput') {
    const ratePerSecond = Math.max(1, Math.round(median(windows.map((window) => window.throughputTxPerS)) / 2));
    const before = cpuMicros(server.pid);
    const { result } = await driver.run({ command: 'open', ratePerSecond, maxInFlight: 10_000, durationMs: profile.openLoopMs, maxTransactions: MAX_TRANSACTIONS_PER_WINDOW });
    const used = cpuMicros(server.pid) - before;
    openLoop = { ...result!, ratePerSecond, cpuUsPerTx: used / Math.max(1, result!.completed) };
    // At half load the delay shows what a transaction waits for, not the backlog of a saturated loop.
    eventLoopDelay = await server.eventLoopDelay();
  }

  return { windows, openLoop, eventLoopDelay, peakRssMb: memoryMb(server.pid).peakRssMb, heldRssMb: null, held: null };
}

async function measureHold(scenario: Scenario, server: ServerUnderTest, driver: DriverProcess): Promise<ScenarioFigures> {
  await server.eventLoopDelay();
  const before = cpuMicros(server.pid);

  const { held } = await driver.run({ command: 'hold', count: scenario.concurrency });
  const heldRssMb = memoryMb(server.pid).rssMb;
  const { result } = await driver.run({ command: 'release' });

  const used = cpuMicros(server.pid) - before;
  return {
    windows: [windowFigures(result!, used)],
    openLoop: null,
    eventLoopDelay: await server.eventLoopDelay(),
    peakRssMb: memoryMb(server.pid).peakRssMb,
    heldRssMb,
    held: held ?? 0,
  };
}

function windowFigures(result: LoadResult, cpuUsed: number): WindowFigures {
  return {
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
