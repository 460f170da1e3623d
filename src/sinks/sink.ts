// The interface every sink offers the service, and its per-sink metric children.
import type { Counter, Gauge } from 'prom-client';
import type { SecurityEvent } from '../events/security-event.js';
import type { Metrics } from '../metrics/metrics.js';

export type SinkType = 'stdout' | 'file' | 'datadog';

export interface Sink {
  readonly name: string;
  readonly type: SinkType;
  /** Formats the event and queues it without waiting for the destination, which request processing must never do. */
  accept(event: SecurityEvent): void;
  /**
   * Delivers the queued events until `deadline` (epoch milliseconds). Events
   * still undelivered then go to the spool, or are counted as dropped.
   */
  close(deadline: number): Promise<void>;
}

export type DropReason = 'queue_full' | 'spool_full' | 'rejected' | 'too_large' | 'shutdown' | 'write_failed';

/** The metric children of one sink, created once so that the hot path does no label lookups. */
export interface SinkCounters {
  accepted: ReturnType<Counter['labels']>;
  sent: ReturnType<Counter['labels']>;
  retried: ReturnType<Counter['labels']>;
  spooled: ReturnType<Counter['labels']>;
  dropped(reason: DropReason): ReturnType<Counter['labels']>;
  queueDepth: ReturnType<Gauge['labels']>;
  spoolDepth: ReturnType<Gauge['labels']>;
}

export function sinkCounters(metrics: Metrics, sink: string): SinkCounters {
  const drops = new Map<DropReason, ReturnType<Counter['labels']>>();
  return {
    accepted: metrics.sinkAccepted.labels(sink),
    sent: metrics.sinkSent.labels(sink),
    retried: metrics.sinkRetried.labels(sink),
    spooled: metrics.sinkSpooled.labels(sink),
    dropped(reason) {
      let child = drops.get(reason);
      if (child === undefined) {
        child = metrics.sinkDropped.labels(sink, reason);
        drops.set(reason, child);
      }
      return child;
    },
    queueDepth: metrics.sinkQueueDepth.labels(sink),
    spoolDepth: metrics.sinkSpoolDepth.labels(sink),
  };
}

/**
 * Returns a function that logs through `write` at most once per interval per
 * key, with the number of calls suppressed since the last line, so that an
 * outage cannot flood the operational log.
 */
export function rateLimited(intervalMs: number): (key: string, write: (suppressed: number) => void) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key, write) => {
    const now = Date.now();
    const entry = last.get(key);
    if (entry !== undefined && now - entry.at < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    write(entry?.suppressed ?? 0);
    last.set(key, { at: now, suppressed: 0 });
  };
}
