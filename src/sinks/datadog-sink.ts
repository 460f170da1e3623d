// The `datadog` sink: batches events in a bounded memory queue and sends
// them to Datadog's HTTP logs intake from a background loop, so that no
// ext_proc reply ever waits for the intake. During an outage the oldest
// events move to the on-disk spool (when configured) or are dropped and
// counted. Once the intake accepts requests again, the spool is sent
// first, also after a restart. Delivery is at least once: a batch whose reply was lost
// is sent again.
import type { Logger } from 'pino';
import type { SecurityEvent } from '../events/security-event.js';
import { createFormatter, type EventFormat } from '../events/formats/index.js';
import { intakeBody, postBatch, type IntakeOptions } from './datadog-intake.js';
import { LineQueue, type QueueLimits } from './queue.js';
import { backoffDelay, classifyStatus, retryAfterMs, type BackoffOptions } from './retry.js';
import { rateLimited, type Sink, type SinkCounters } from './sink.js';
import type { Spool } from './spool.js';

export interface BatchLimits {
  /** Entries per request; the intake takes at most 1,000. */
  maxEvents: number;
  /** Uncompressed bytes per request; the intake takes at most 5 MB. */
  maxBytes: number;
  /** Maximum time an event waits in the queue before a batch is sent, in milliseconds. */
  intervalMs: number;
}

export interface DatadogSinkOptions {
  name: string;
  format: EventFormat;
  intake: IntakeOptions;
  queue: QueueLimits;
  batch: BatchLimits;
  backoff: BackoffOptions;
  /** Largest formatted event, in bytes; the intake truncates entries above 1 MB. */
  maxEventBytes: number;
  spool: Spool | null;
  counters: SinkCounters;
  logger: Logger;
}

type Outcome = 'done' | 'abandoned';

interface Job {
  lines: string[];
  /** Spool segment the lines came from; null for lines taken from memory. */
  segment: string | null;
}

const LOG_INTERVAL_MS = 60_000;

export class DatadogSink implements Sink {
  readonly name: string;
  readonly type = 'datadog' as const;
  readonly #options: DatadogSinkOptions;
  readonly #format: (event: SecurityEvent) => string;
  readonly #queue: LineQueue;
  readonly #counters: SinkCounters;
  readonly #logOnce = rateLimited(LOG_INTERVAL_MS);
  readonly #abort = new AbortController();
  /** Bytes each line adds to a request body besides its own: the ddsource key and a comma. */
  readonly #lineOverhead: number;
  #wake: (() => void) | null = null;
  #wakePending = false;
  #endSleep: (() => void) | null = null;
  #closing = false;
  #loop: Promise<void>;
  #timer: NodeJS.Timeout;

  constructor(options: DatadogSinkOptions) {
    this.name = options.name;
    this.#options = options;
    this.#format = createFormatter(options.format);
    this.#queue = new LineQueue(options.queue);
    this.#counters = options.counters;
    this.#lineOverhead = intakeBody(['{}'], options.intake.source).length - 4;
    this.#counters.spoolDepth.set(options.spool?.depth ?? 0);

    this.#timer = setInterval(() => this.#wakeLoop(), options.batch.intervalMs);
    this.#timer.unref();
    this.#loop = this.#run().catch((error: unknown) => {
      options.logger.error({ err: error, sink: this.name }, 'the datadog sink\'s delivery loop failed; events stay queued or spooled until a restart');
    });
  }

  accept(event: SecurityEvent): void {
    this.#counters.accepted.inc();
    const line = this.#format(event);
    if (Buffer.byteLength(line) > this.#options.maxEventBytes) {
      this.#drop('too_large', 1, { event_bytes: Buffer.byteLength(line), max_event_bytes: this.#options.maxEventBytes });
      return;
    }

    if (this.#options.spool !== null && this.#queueFull()) {
      this.#spill(this.#takeBatch());
    }
    const evicted = this.#queue.push(line);
    if (evicted.length > 0) {
      this.#drop('queue_full', evicted.length, { queue_max_events: this.#options.queue.maxEvents });
    }
    this.#counters.queueDepth.set(this.#queue.length);

    if (this.#queue.length >= this.#options.batch.maxEvents) {
      this.#wakeLoop();
    }
  }

  async close(deadline: number): Promise<void> {
    this.#closing = true;
    clearInterval(this.#timer);
    this.#endSleep?.();
    const timer = setTimeout(() => this.#abort.abort(), Math.max(0, deadline - Date.now()));
    this.#wakeLoop();
    await this.#loop;
    clearTimeout(timer);

    // Whatever the loop could not send before the deadline is kept for the next start.
    while (this.#queue.length > 0) {
      this.#keep(this.#takeBatch());
    }
    this.#counters.queueDepth.set(0);
    await this.#options.spool?.settled();
  }

  #queueFull(): boolean {
    const limits = this.#options.queue;
    return this.#queue.length >= limits.maxEvents || this.#queue.bytes >= limits.maxBytes;
  }

  #takeBatch(): string[] {
    const batch = this.#options.batch;
    // Leave room for the array brackets and each line's ddsource key.
    const budget = batch.maxBytes - 2 - batch.maxEvents * this.#lineOverhead;
    return this.#queue.take(batch.maxEvents, budget);
  }

  #wakeLoop(): void {
    const wake = this.#wake;
    this.#wake = null;
    if (wake === null) {
      // The loop is busy; it looks at the queue again before it waits.
      this.#wakePending = true;
      return;
    }
    wake();
  }

  #waitForWake(): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  async #run(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      const job = await this.#nextJob();
      if (job === null) {
        if (this.#closing && this.#queue.length === 0) {
          return;
        }
        if (!this.#closing) {
          await this.#waitForWake();
        }
        continue;
      }

      const { outcome, remaining } = await this.#deliver(job.lines);
      if (job.segment !== null && outcome === 'done') {
        await this.#options.spool?.remove(job.segment);
        this.#counters.spoolDepth.set(this.#options.spool?.depth ?? 0);
      }
      if (outcome === 'abandoned') {
        // A spool segment stays on disk as it is; memory lines go to the spool or are counted.
        if (job.segment === null) {
          this.#keep(remaining);
        }
        return;
      }
    }
  }

  async #nextJob(): Promise<Job | null> {
    const spool = this.#options.spool;
    if (spool !== null && spool.segmentCount > 0) {
      const segment = await spool.oldest();
      if (segment !== null) {
        return { lines: segment.lines, segment: segment.file };
      }
    }
    if (this.#queue.length === 0) {
      return null;
    }
    const lines = this.#takeBatch();
    this.#counters.queueDepth.set(this.#queue.length);
    return { lines, segment: null };
  }

  /** Sends lines until the intake accepts or rejects each of them, or until delivery is abandoned. */
  async #deliver(lines: string[]): Promise<{ outcome: Outcome; remaining: string[] }> {
    const pending: string[][] = [lines];
    let attempt = 0;

    while (pending.length > 0) {
      const batch = pending[0] as string[];
      const result = await postBatch(batch, this.#options.intake, this.#abort.signal);
      const kind = result.kind === 'network' ? 'retry' : classifyStatus(result.status);

      if (kind === 'delivered') {
        this.#counters.sent.inc(batch.length);
        pending.shift();
        attempt = 0;
        continue;
      }
      if (kind === 'split') {
        pending.shift();
        this.#split(batch, pending);
        continue;
      }
      if (kind === 'rejected') {
        pending.shift();
        this.#reject(batch, result.kind === 'status' ? result.status : 0);
        continue;
      }

      // A retryable failure. While closing with a spool, the spool is the faster safe place.
      if (this.#abort.signal.aborted || (this.#closing && this.#options.spool !== null)) {
        return { outcome: 'abandoned', remaining: pending.flat() };
      }
      attempt += 1;
      const delay = this.#retryDelay(attempt, result.kind === 'status' ? result.retryAfter : null);
      this.#logRetry(result, batch.length, attempt, delay);
      await this.#sleep(delay);
      if (this.#abort.signal.aborted || (this.#closing && this.#options.spool !== null)) {
        return { outcome: 'abandoned', remaining: pending.flat() };
      }
      this.#counters.retried.inc(batch.length);
    }
    return { outcome: 'done', remaining: [] };
  }

  #retryDelay(attempt: number, retryAfter: string | null): number {
    const backoff = backoffDelay(attempt, this.#options.backoff);
    const requested = retryAfterMs(retryAfter);
    return requested === null ? backoff : Math.min(Math.max(backoff, requested), this.#options.backoff.maxMs);
  }

  #split(batch: string[], pending: string[][]): void {
    if (batch.length === 1) {
      this.#drop('too_large', 1, { status_code: 413 });
      return;
    }
    const middle = Math.ceil(batch.length / 2);
    pending.unshift(batch.slice(0, middle), batch.slice(middle));
  }

  #reject(batch: string[], status: number): void {
    this.#counters.dropped('rejected').inc(batch.length);
    const hint = status === 401 || status === 403
      ? 'the API key is missing or invalid: check DD_API_KEY or the api_key_file and the Datadog site'
      : 'the intake rejected the payload as invalid';
    this.#logOnce(`rejected:${status}`, (suppressed) => {
      this.#options.logger.error(
        { sink: this.name, status_code: status, events: batch.length, intake: redactedUrl(this.#options.intake.url), suppressed_since_last: suppressed },
        `Datadog intake answered ${status}, so ${batch.length} events were dropped without retry; ${hint}`,
      );
    });
  }

  #logRetry(result: Awaited<ReturnType<typeof postBatch>>, events: number, attempt: number, delay: number): void {
    const reason = result.kind === 'network' ? `network error: ${result.message}` : `status ${result.status}`;
    this.#logOnce('retry', (suppressed) => {
      this.#options.logger.warn(
        { sink: this.name, reason, events, attempt, retry_in_ms: Math.round(delay), intake: redactedUrl(this.#options.intake.url), suppressed_since_last: suppressed },
        'sending events to the Datadog intake failed; retrying with backoff',
      );
    });
  }

  /** Waits delay milliseconds, or less when the sink starts closing or is aborted. */
  #sleep(delay: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#abort.signal.removeEventListener('abort', done);
        this.#endSleep = null;
        resolve();
      };
      this.#endSleep = done;
      const timer = setTimeout(done, delay);
      this.#abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Moves lines to the spool; without one, counts them as dropped at shutdown. */
  #keep(lines: string[]): void {
    if (this.#options.spool === null) {
      this.#drop('shutdown', lines.length, {});
      return;
    }
    this.#spill(lines);
  }

  #spill(lines: string[]): void {
    const spool = this.#options.spool;
    if (spool === null || lines.length === 0) {
      return;
    }
    this.#counters.spooled.inc(lines.length);
    spool.write(lines).then(
      (trimmed) => {
        if (trimmed > 0) {
          this.#drop('spool_full', trimmed, { spool: spool.directory });
        }
        this.#counters.spoolDepth.set(spool.depth);
      },
      (error: unknown) => {
        this.#counters.dropped('write_failed').inc(lines.length);
        this.#options.logger.error({ err: error, sink: this.name, spool: spool.directory, events: lines.length }, 'writing events to the spool failed, so they are lost; check the directory and the disk');
      },
    );
    this.#counters.spoolDepth.set(spool.depth);
  }

  #drop(reason: Parameters<SinkCounters['dropped']>[0], count: number, details: Record<string, unknown>): void {
    this.#counters.dropped(reason).inc(count);
    this.#logOnce(`drop:${reason}`, (suppressed) => {
      this.#options.logger.warn({ sink: this.name, reason, events: count, ...details, suppressed_since_last: suppressed }, `the datadog sink dropped ${count} events (${reason}); see ctxproc_sink_events_dropped_total`);
    });
  }
}

/** Returns the intake URL without its query string, for logs. */
function redactedUrl(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
