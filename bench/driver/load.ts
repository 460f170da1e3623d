// Load loops that play Envoy's ext_proc filter: one HTTP/2 stream per
// transaction over a few long-lived connections, each message sent only
// after the reply to the previous one, and every stream ended with
// RST_STREAM (CANCEL), as Envoy ends them unless its graceful-close runtime
// guard is on.
import http2 from 'node:http2';
import * as hdr from 'hdr-histogram-js';
import { countMessages, type FrameReader } from './frames.js';
import type { Transaction } from './traffic.js';

const PROCESS_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';

/** The request headers of Envoy's Google gRPC and Envoy gRPC clients, minus its tracing headers. */
const STREAM_HEADERS = {
  ':method': 'POST',
  ':scheme': 'http',
  ':path': PROCESS_PATH,
  ':authority': 'ext_proc_cluster',
  'content-type': 'application/grpc',
  te: 'trailers',
  'user-agent': 'envoy',
  'grpc-timeout': '30S',
};

/** Largest latency the histogram records: one minute, in microseconds. */
const HISTOGRAM_MAX_US = 60_000_000;

export interface LoadResult {
  completed: number;
  failed: number;
  /** Transactions an open loop skipped because the in-flight cap was reached. */
  skipped: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface RunOptions {
  durationMs: number;
  /** Upper bound on transactions started, whatever the duration. */
  maxTransactions: number;
  /** Replies after which the stream is reset; by default after the last one. */
  resetAfterReplies?: number;
}

/** The long-lived HTTP/2 connections to the server and the transactions to cycle through. */
export class LoadTarget {
  private next = 0;

  private constructor(private readonly sessions: http2.ClientHttp2Session[], private readonly transactions: Transaction[]) {}

  static async connect(port: number, connections: number, transactions: Transaction[]): Promise<LoadTarget> {
    const sessions = await Promise.all(Array.from({ length: connections }, () => openSession(port)));
    return new LoadTarget(sessions, transactions);
  }

  close(): void {
    for (const session of this.sessions) {
      session.close();
    }
  }

  /**
   * Starts one transaction; `done` runs once with whether every expected
   * reply came. With `holdAfterReplies`, `held` runs after that many replies
   * with a function that sends the rest.
   */
  start(done: (ok: boolean) => void, resetAfterReplies?: number, hold?: { afterReplies: number; held: (resume: () => void) => void }): void {
    const index = this.next;
    this.next += 1;
    const session = this.sessions[index % this.sessions.length]!;
    const messages = this.transactions[index % this.transactions.length]!.messages;
    const lastReply = Math.min(resetAfterReplies ?? messages.length, messages.length);
    const stream = session.request(STREAM_HEADERS);
    const reader: FrameReader = { pending: null };
    let replies = 0;
    let finished = false;

    const finish = (ok: boolean): void => {
      if (!finished) {
        finished = true;
        done(ok);
      }
    };

    stream.on('data', (chunk: Buffer) => {
      replies += countMessages(reader, chunk);
      if (replies >= lastReply) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        finish(true);
        return;
      }
      if (hold && replies === hold.afterReplies) {
        hold.held(() => stream.write(messages[replies]!));
        return;
      }
      stream.write(messages[replies]!);
    });
    stream.on('close', () => finish(false));
    stream.on('error', () => finish(false));
    stream.write(messages[0]!);
  }
}

/** Keeps `concurrency` transactions in flight until the duration or the count runs out. */
export function runClosedLoop(target: LoadTarget, concurrency: number, options: RunOptions): Promise<LoadResult> {
  const histogram = newHistogram();
  const startedAt = performance.now();
  const deadline = startedAt + options.durationMs;
  let started = 0;
  let inFlight = 0;
  let completed = 0;
  let failed = 0;

  return new Promise((resolve) => {
    const launch = (): void => {
      const begin = performance.now();
      started += 1;
      inFlight += 1;
      target.start((ok) => {
        inFlight -= 1;
        if (ok) {
          completed += 1;
          record(histogram, performance.now() - begin);
        } else {
          failed += 1;
        }
        if (performance.now() < deadline && started < options.maxTransactions) {
          launch();
        } else if (inFlight === 0) {
          resolve(summarise(histogram, completed, failed, 0, performance.now() - startedAt));
        }
      }, options.resetAfterReplies);
    };

    for (let index = 0; index < concurrency && index < options.maxTransactions; index += 1) {
      launch();
    }
  });
}

/**
 * Opens `count` transactions, waits until each has its first reply, and
 * keeps them open (Envoy waiting for the upstream) until `release` is called;
 * then sends the rest of each transaction and resolves when all have ended.
 */
export function holdOpen(target: LoadTarget, count: number): { allHeld: Promise<number>; release: () => Promise<LoadResult> } {
  const histogram = newHistogram();
  const resumers: Array<() => void> = [];
  const startedAt = performance.now();
  let completed = 0;
  let failed = 0;
  let settled = 0;
  let onHeld: (held: number) => void = () => {};
  let onEnded: () => void = () => {};
  const allHeld = new Promise<number>((resolve) => {
    onHeld = resolve;
  });
  const allEnded = new Promise<void>((resolve) => {
    onEnded = resolve;
  });

  const reportHeld = (): void => {
    if (resumers.length + failed === count) {
      onHeld(resumers.length);
    }
  };

  for (let index = 0; index < count; index += 1) {
    const begin = performance.now();
    target.start((ok) => {
      settled += 1;
      if (ok) {
        completed += 1;
        record(histogram, performance.now() - begin);
      } else {
        failed += 1;
        reportHeld();
      }
      if (settled === count) {
        onEnded();
      }
    }, undefined, {
      afterReplies: 1,
      held: (resume) => {
        resumers.push(resume);
        reportHeld();
      },
    });
  }

  const release = async (): Promise<LoadResult> => {
    for (const resume of resumers) {
      resume();
    }
    await allEnded;
    return summarise(histogram, completed, failed, 0, performance.now() - startedAt);
  };
  return { allHeld, release };
}

function openSession(port: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { enablePush: false } });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
    // A session that fails later shows up as failed transactions; the
    // listener keeps the error from ending the driver.
    session.on('error', () => {});
  });
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HISTOGRAM_MAX_US, numberOfSignificantValueDigits: 3 });
}

/** Records a latency in milliseconds at microsecond resolution, clamped to the histogram's range. */
export function record(histogram: hdr.Histogram, elapsedMs: number): void {
  histogram.recordValue(Math.min(HISTOGRAM_MAX_US, Math.max(1, Math.round(elapsedMs * 1000))));
}

export function summarise(histogram: hdr.Histogram, completed: number, failed: number, skipped: number, elapsedMs: number): LoadResult {
  const ms = (percentile: number): number => histogram.getValueAtPercentile(percentile) / 1000;
  return {
    completed,
    failed,
    skipped,
    elapsedMs,
    p50Ms: ms(50),
    p99Ms: ms(99),
    p999Ms: ms(99.9),
    maxMs: histogram.maxValue / 1000,
  };
}
