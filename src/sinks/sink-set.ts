// The sinks of a running service: creates them from the configuration and
// routes each event to the sinks its log actions named, or to the default
// sinks when they named none.
import type { Logger } from 'pino';
import type { SecurityEvent } from '../events/security-event.js';
import type { LogDestination } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SinksConfig } from './config.js';
import { DatadogSink } from './datadog-sink.js';
import { sinkCounters, type Sink } from './sink.js';
import { Spool } from './spool.js';
import { createStreamSink } from './stream-sink.js';

export interface SinkSetOptions {
  config: SinksConfig;
  metrics: Metrics;
  logger: Logger;
  /** Destination of stdout sinks; fd 1 by default, a stream in tests. */
  stdout?: LogDestination;
}

export class SinkSet {
  readonly #sinks = new Map<string, Sink>();
  readonly #defaults: Sink[];

  constructor(options: SinkSetOptions) {
    for (const config of options.config.sinks) {
      this.#sinks.set(config.name, createSink(config, options));
    }
    this.#defaults = options.config.defaultSinks.map((name) => this.#sinks.get(name) as Sink);
  }

  get names(): ReadonlySet<string> {
    return new Set(this.#sinks.keys());
  }

  /** Hands the event once to each named sink, and to the default sinks when asked; returns how many sinks took it. */
  deliver(event: SecurityEvent, names: readonly string[], toDefaults: boolean): number {
    const targets = new Set(names.map((name) => this.#sinks.get(name)));
    if (toDefaults) {
      for (const sink of this.#defaults) {
        targets.add(sink);
      }
    }
    let count = 0;
    for (const sink of targets) {
      // Rule loading rejects unknown sink names, so a missing one here is a rule set loaded without this sink set.
      if (sink !== undefined) {
        sink.accept(event);
        count += 1;
      }
    }
    return count;
  }

  /** Closes every sink in parallel, each delivering until `deadline` (epoch milliseconds). */
  async close(deadline: number): Promise<void> {
    await Promise.all([...this.#sinks.values()].map((sink) => sink.close(deadline)));
  }
}

function createSink(config: SinksConfig['sinks'][number], options: SinkSetOptions): Sink {
  const counters = sinkCounters(options.metrics, config.name);
  const logger = options.logger;
  if (config.type !== 'datadog') {
    const destination = config.type === 'stdout' ? options.stdout : config.path;
    return createStreamSink({ name: config.name, type: config.type, format: config.format, destination, maxBufferBytes: config.maxBufferBytes, counters, logger });
  }

  const spool = config.spool === null ? null : new Spool(config.spool);
  if (spool !== null && spool.depth > 0) {
    logger.info({ sink: config.name, spool: spool.directory, events: spool.depth }, 'found events spooled by an earlier run; sending them first');
  }
  return new DatadogSink({
    name: config.name,
    format: config.format,
    intake: { url: config.url, apiKey: config.apiKey, source: config.source, tags: config.tags, timeoutMs: config.timeoutMs },
    queue: config.queue,
    batch: config.batch,
    backoff: config.retry,
    maxEventBytes: config.maxEventBytes,
    spool,
    counters,
    logger,
  });
}
