// The open loop: transactions start at a fixed rate whatever the server's
// pace, and each is timed from the moment it was due, so a stalled server
// shows as latency instead of as fewer requests (no coordinated omission).
// A warm-up at the same rate runs first, without a break, so the measured
// part starts in the steady state of that rate.
import type * as hdr from 'hdr-histogram-js';
import { newHistogram, record, summarise, type LoadResult, type LoadTarget } from './load.js';
import { startSelfCheck, type DriverSelfCheck } from './self-check.js';

export interface OpenLoopOptions {
  ratePerSecond: number;
  /** Cap on transactions in flight. A transaction due above it is skipped and counted. */
  maxInFlight: number;
  /** Length of the unrecorded warm-up at the same rate, in milliseconds. */
  warmupMs: number;
  /** Length of the measured part, in milliseconds. */
  durationMs: number;
  /** Upper bound on transactions started, warm-up included. */
  maxTransactions: number;
}

export interface OpenLoopResult extends LoadResult {
  /** Median and p99 latency counted from when the driver opened the stream, which leaves out the driver's lateness. */
  fromSendP50Ms: number;
  fromSendP99Ms: number;
  /** How late the driver opened streams against their due time: p99 and maximum. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** p99 latency of the transactions due in each tenth of the measured part, to show a warm-up or a pause. */
  p99BySliceMs: number[];
  driver: DriverSelfCheck;
}

/** Tenths of the measured part that `p99BySliceMs` reports. */
const SLICES = 10;

/**
 * Node's timers fire at 1 ms granularity at best, so the timer is only a
 * fallback: every completion also starts whatever has come due, which
 * spreads starts between ticks instead of sending a burst per tick.
 */
const TICK_MS = 1;

export function runOpenLoop(target: LoadTarget, options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { ratePerSecond } = options;
  const warmupCount = Math.floor((ratePerSecond * options.warmupMs) / 1000);
  const measuredCount = Math.floor((ratePerSecond * options.durationMs) / 1000);
  const total = Math.min(options.maxTransactions, warmupCount + measuredCount);
  const intervalMs = 1000 / ratePerSecond;
  const sliceLength = Math.max(1, Math.ceil(measuredCount / SLICES));

  const fromDue = newHistogram();
  const fromSend = newHistogram();
  const sendLag = newHistogram();
  const slices: hdr.Histogram[] = Array.from({ length: SLICES }, newHistogram);
  const startedAt = performance.now();
  let measuredFrom = startedAt;
  let selfCheck: ReturnType<typeof startSelfCheck> | null = null;
  let next = 0;
  let inFlight = 0;
  let completed = 0;
  let failed = 0;
  let skipped = 0;
  let settled = 0;

  return new Promise((resolve) => {
    const settleIfDone = (): void => {
      if (next < total || settled < next) {
        return;
      }
      const driver = selfCheck?.stop() ?? startSelfCheck().stop();
      const elapsedMs = performance.now() - measuredFrom;
      resolve({
        ...summarise(fromDue, completed, failed, skipped, elapsedMs),
        fromSendP50Ms: fromSend.getValueAtPercentile(50) / 1000,
        fromSendP99Ms: fromSend.getValueAtPercentile(99) / 1000,
        sendLagP99Ms: sendLag.getValueAtPercentile(99) / 1000,
        sendLagMaxMs: sendLag.maxValue / 1000,
        p99BySliceMs: slices.map((slice) => slice.getValueAtPercentile(99) / 1000),
        driver,
      });
    };

    const launch = (index: number): void => {
      const dueAt = startedAt + index * intervalMs;
      const measured = index >= warmupCount;
      if (index === warmupCount) {
        measuredFrom = dueAt;
        selfCheck = startSelfCheck();
      }
      if (inFlight >= options.maxInFlight) {
        skipped += measured ? 1 : 0;
        settled += 1;
        return;
      }

      const sentAt = performance.now();
      if (measured) {
        record(sendLag, sentAt - dueAt);
      }
      inFlight += 1;
      target.start((ok) => {
        inFlight -= 1;
        settled += 1;
        if (measured && ok) {
          const now = performance.now();
          completed += 1;
          record(fromDue, now - dueAt);
          record(fromSend, now - sentAt);
          record(slices[Math.min(SLICES - 1, Math.floor((index - warmupCount) / sliceLength))]!, now - dueAt);
        } else if (measured) {
          failed += 1;
        }
        pump();
        settleIfDone();
      });
    };

    // Transaction i is due at i intervals after the start, so by `now` the first floor(elapsed / interval) + 1 are due.
    const pump = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - startedAt) / intervalMs) + 1);
      while (next < due) {
        const index = next;
        next += 1;
        launch(index);
      }
    };

    const tick = (): void => {
      pump();
      if (next < total) {
        setTimeout(tick, TICK_MS);
      } else {
        settleIfDone();
      }
    };
    tick();
  });
}
