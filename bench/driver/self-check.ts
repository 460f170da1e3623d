// Measures the load driver itself while it runs an open loop, so a report
// can tell the server's latency from the driver's: the driver's share of its
// core, its event-loop delay and its own garbage-collection pauses. A driver
// that is busy, stalled or collecting garbage delays every transaction due
// meanwhile, and the open loop counts that delay as latency.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { runQueueWaitMicros } from '../process-stats.js';

/** The driver's own figures over one measured run. */
export interface DriverSelfCheck {
  /** Driver CPU time (user + system) over wall time, where 1.0 is one whole core. */
  cpuShare: number;
  /** Time the driver's event loop waited for its core, over wall time. Above a few hundredths, other processes share the core. */
  runQueueWaitShare: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

/** Sampling interval of the event-loop delay histogram, in milliseconds, the finest Node allows. */
const LOOP_DELAY_RESOLUTION_MS = 1;

/** Starts measuring, and `stop` returns the figures since the start. */
export function startSelfCheck(): { stop: () => DriverSelfCheck } {
  const startedAt = performance.now();
  const cpuBefore = process.cpuUsage();
  const waitBefore = runQueueWaitMicros('thread-self');
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  const pauses: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      pauses.push(entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  loopDelay.enable();

  const stop = (): DriverSelfCheck => {
    const wallMicros = (performance.now() - startedAt) * 1000;
    const cpu = process.cpuUsage(cpuBefore);
    loopDelay.disable();
    // Entries still queued in the observer belong to this run too.
    for (const entry of observer.takeRecords()) {
      pauses.push(entry.duration);
    }
    observer.disconnect();
    return {
      cpuShare: (cpu.user + cpu.system) / Math.max(1, wallMicros),
      runQueueWaitShare: (runQueueWaitMicros('thread-self') - waitBefore) / Math.max(1, wallMicros),
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      gcCount: pauses.length,
      gcTotalMs: pauses.reduce((sum, pause) => sum + pause, 0),
      gcMaxMs: pauses.reduce((max, pause) => Math.max(max, pause), 0),
    };
  };
  return { stop };
}
