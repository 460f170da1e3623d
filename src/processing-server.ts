// The ext_proc gRPC server with its security event output: what a running
// ctxproc and the rule-test runner share, so that rule tests exercise the
// same stream handler, transaction and event code as production traffic.
import './runtime/linear-regexp.js';
import type { Logger } from 'pino';
import type { Settings } from './config/settings.js';
import { encodingLabel } from './content-coding/notes.js';
import { buildSecurityEvent } from './events/builder.js';
import type { SecurityEvent } from './events/security-event.js';
import type { LogDestination } from './log/logger.js';
import type { Metrics, StreamEnd } from './metrics/metrics.js';
import { bodyDecoding } from './model/readable-body.js';
import type { RuleEngine } from './rules/engine.js';
import { ConnectionLogLimit } from './session/connection-log-limit.js';
import { OpenTransactions } from './session/open-transactions.js';
import { createProcessHandler } from './session/stream-handler.js';
import { TransactionState, type Transaction } from './session/transaction.js';
import { defaultSinksConfig, type SinksConfig } from './sinks/config.js';
import { SinkSet } from './sinks/sink-set.js';
import type { SessionFailure } from './transport/session-failure.js';
import { startTransport, type RunningTransport } from './transport/transport.js';

export interface ProcessingServerOptions {
  settings: Settings;
  logger: Logger;
  metrics: Metrics;
  /** Returns the engine a new stream runs on; the transaction keeps it to its end, even if a reload swaps it meanwhile. */
  activeEngine(): RuleEngine;
  /** Sinks that events go to; stdout alone by default. */
  sinksConfig?: SinksConfig;
  /** Destination of stdout sinks; fd 1 by default, a stream in tests. */
  eventDestination?: LogDestination;
  /** Called once per ended transaction, with the event written for it, or null when its rules logged nothing. */
  onTransactionEnd?: (transaction: Transaction, event: SecurityEvent | null) => void;
}

export interface ProcessingServer {
  port: number;
  /** Sets the gRPC health status that Envoy's health check reads. */
  setServing(serving: boolean): void;
  /** Streams open now. */
  openStreams(): number;
  /** Events written since start. */
  eventsEmitted(): number;
  /** Stops accepting streams, lets open ones finish within the grace period, and flushes events. */
  stop(): Promise<void>;
}

/** Length of the window in which failed client connections get log lines, in milliseconds. */
const SESSION_FAILURE_LOG_WINDOW_MS = 10_000;

/** Log lines for failed client connections in one window; ctxproc_transport_rejections_total counts every one. */
const SESSION_FAILURE_LOG_LINES_PER_WINDOW = 20;

/** Shortest time sinks get to deliver or spool their queues at shutdown, in milliseconds. */
const EVENT_FLUSH_MIN_MS = 5000;

/** Starts the gRPC server on settings.listen. */
export async function startProcessingServer(options: ProcessingServerOptions): Promise<ProcessingServer> {
  const { settings, logger, metrics } = options;
  const sinks = new SinkSet({ config: options.sinksConfig ?? defaultSinksConfig(), metrics, logger, stdout: options.eventDestination });
  const open = new OpenTransactions();
  // Streams still open when the shutdown grace period ended. Their transport
  // reports the close as a reset, which alone would read as 'completed'.
  const cutAtShutdown = new WeakSet<Transaction>();
  let eventCount = 0;

  const emitEvent = (transaction: Transaction, end: StreamEnd): void => {
    countDecisions(metrics, transaction);
    let event: SecurityEvent | null = null;
    try {
      event = eventOf(transaction, cutAtShutdown.has(transaction) ? 'shutdown_timeout' : end, settings);
      // Sinks only queue the event; delivery runs later, off the request path.
      if (event !== null && deliver(sinks, event, transaction) > 0) {
        eventCount += 1;
        metrics.eventsEmitted.inc();
      } else if (event !== null) {
        metrics.eventFailures.inc();
      }
    } finally {
      // The event may be the first reader of a body, so decodes are counted after it.
      countBodyDecodes(metrics, transaction);
      // Also after a failed build (the stream handler logs and counts it),
      // so that a caller waiting for this transaction is not left waiting.
      options.onTransactionEnd?.(transaction, event);
    }
  };

  const handler = createProcessHandler({
    startRules: () => {
      const engine = options.activeEngine();
      return { runner: engine.start(), rulesVersion: engine.ruleSet.version };
    },
    emitEvent,
    metrics,
    logger,
    bodyLimitBytes: settings.bodyLimitBytes,
    maxHeaders: settings.maxHeaders,
    maxMessageBytes: settings.maxMessageBytes,
    streamIdleTimeoutMs: settings.streamIdleTimeoutMs,
    maxOpenStreams: settings.maxOpenStreams,
    maxUnsentReplyBytes: settings.maxUnsentReplyBytes,
    track: (transaction) => open.add(transaction),
    wasCutAtShutdown: (transaction) => cutAtShutdown.has(transaction),
  });

  const grpc = await startTransport(settings.transport, {
    address: settings.listen,
    maxMessageBytes: settings.maxMessageBytes,
    maxStreamsPerConnection: settings.maxStreamsPerConnection,
    resetLimit: { burst: settings.resetBurst, ratePerSecond: settings.resetRate },
    handler,
    onTransportRejection: (reason) => metrics.transportRejections.labels(reason).inc(),
    onSessionFailure: sessionFailureLogger(logger, settings),
  });

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const startedAt = Date.now();
      grpc.setServing(false);
      await drain(grpc, settings.shutdownGraceMs, logger, () => markCut(open.list(), cutAtShutdown, settings.shutdownGraceMs));
      for (const transaction of open.takeAll()) {
        emitEvent(transaction, 'completed');
      }
      // Sinks get what is left of the grace period, and at least EVENT_FLUSH_MIN_MS.
      await sinks.close(Math.max(startedAt + settings.shutdownGraceMs, Date.now() + EVENT_FLUSH_MIN_MS));
    })();
    return stopping;
  };

  return {
    port: grpc.port,
    setServing: (serving) => grpc.setServing(serving),
    openStreams: () => open.size,
    eventsEmitted: () => eventCount,
    stop,
  };
}

/** Builds the event of an ended transaction, or returns null when no rule logged it. */
function eventOf(transaction: Transaction, end: StreamEnd, settings: Settings): SecurityEvent | null {
  // A stream that carried no message describes no HTTP transaction.
  if (!transaction.record.log || transaction.messageCount === 0) {
    return null;
  }

  return buildSecurityEvent(transaction.exchange, transaction.record, {
    service: settings.service,
    env: settings.env ?? undefined,
    version: settings.version ?? undefined,
    rulesVersion: transaction.rulesVersion,
    outcome: { blocked: transaction.state === TransactionState.Blocked, streamEnd: end === 'completed' ? 'completed' : 'error' },
    notes: transaction.notes,
  });
}

/**
 * Hands the event to the sinks its log actions named. An event whose log
 * actions named no sink (or that only actions such as log_payload or a
 * simulated block asked for) goes to the default sinks.
 */
function deliver(sinks: SinkSet, event: SecurityEvent, transaction: Transaction): number {
  const log = transaction.record.log;
  const names = log?.sinks ?? [];
  return sinks.deliver(event, names, (log?.defaultSinks ?? true) || names.length === 0);
}

/**
 * Waits for open calls to end, then cancels what is left after the grace
 * period. `cutOpenStreams` marks the streams still open and returns how many.
 */
function drain(server: RunningTransport, graceMs: number, logger: Logger, cutOpenStreams: () => number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      const cutCount = cutOpenStreams();
      logger.warn(
        { grace_ms: graceMs, streams_cut: cutCount },
        `shutdown grace period of ${graceMs} ms over: closing the ${cutCount} ext_proc streams still open, whose events read stream_end "error". Raise --shutdown-grace if Envoy's streams need longer`,
      );
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();

    server.tryShutdown(() => {
      clearTimeout(timer);
      // No call is left after a graceful drain, so this only closes HTTP/2
      // sessions that grpc-js may still hold. It held them with channelz off.
      server.forceShutdown();
      resolve();
    });
  });
}

/**
 * Returns the listener that logs a client connection Node closed, which fails
 * every stream on it. Each connection fails once, so one line per failure
 * is one per connection, and the window bounds the lines when many fail.
 */
function sessionFailureLogger(logger: Logger, settings: Settings): (failure: SessionFailure) => void {
  const logLimit = new ConnectionLogLimit({ windowMs: SESSION_FAILURE_LOG_WINDOW_MS, maxLinesPerWindow: SESSION_FAILURE_LOG_LINES_PER_WINDOW });

  return (failure) => {
    const logLine = logLimit.take(failure, Date.now());
    if (logLine === null) {
      return;
    }
    const fields = { peer: failure.peer, reason: failure.reason, error: failure.error, stream_resets: failure.resets, suppressed: logLine.suppressed };
    if (failure.reason === 'reset_limit') {
      logger.warn(
        { ...fields, reset_burst: settings.resetBurst, reset_rate: settings.resetRate, hint: 'Envoy resets every ext_proc stream, so raise --reset-burst and --reset-rate above the request rate of one Envoy worker (both are 100000 by default)' },
        `HTTP/2 connection from ${failure.peer} closed with all its streams: its ${failure.resets} stream resets exceeded --reset-burst ${settings.resetBurst} or --reset-rate ${settings.resetRate} per second`,
      );
      return;
    }
    logger.warn(
      { ...fields, hint: 'check that the client speaks gRPC over cleartext HTTP/2 (h2c with prior knowledge), as Envoy does. If it is Envoy and the error is a protocol error, raise --reset-burst and --reset-rate' },
      `HTTP/2 connection from ${failure.peer} failed with all its streams: ${failure.error.message}`,
    );
  };
}

/** Adds a note to each transaction that the grace period ended before its stream, marks it cut, and returns the count. */
function markCut(transactions: Transaction[], cut: WeakSet<Transaction>, graceMs: number): number {
  for (const transaction of transactions) {
    transaction.notes.push(`the shutdown grace period (--shutdown-grace, ${graceMs} ms) ended before the stream did, so ctxproc closed it`);
    cut.add(transaction);
  }
  return transactions.length;
}

function countDecisions(metrics: Metrics, transaction: Transaction): void {
  const record = transaction.record;
  for (const rule of record.matched) {
    metrics.countRuleHit(rule);
  }
  for (const failure of record.ruleErrors) {
    metrics.ruleErrors.labels(failure.rule).inc();
  }
  if (record.block) {
    metrics.blocks.labels(record.block.rule).inc();
  }
  if (transaction.unappliedActions > 0) {
    metrics.unappliedActions.inc(transaction.unappliedActions);
  }
}

function countBodyDecodes(metrics: Metrics, transaction: Transaction): void {
  for (const direction of ['request', 'response'] as const) {
    const capture = transaction.exchange[direction]?.body;
    const decoding = capture ? bodyDecoding(capture) : undefined;
    if (decoding !== undefined) {
      metrics.bodyDecodes.labels(direction, encodingLabel(decoding), decoding.result).inc();
      metrics.bodyDecodeSeconds.labels(direction, encodingLabel(decoding)).inc(decoding.seconds ?? 0);
    }
  }
}
