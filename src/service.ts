// Assembles the running service: rules, gRPC server, admin server, events,
// metrics, and the shutdown sequence. The CLI, in-process replay and the
// tests all start ctxproc through `startService`.
import './runtime/linear-regexp.js';
import type { Logger } from 'pino';
import { resolveAdminAccess } from './admin/admin-access.js';
import { startAdminServer, type RunningAdminServer } from './admin/admin-server.js';
import { parseAddress } from './config/settings.js';
import type { Settings } from './config/settings.js';
import { buildSecurityEvent } from './events/builder.js';
import { createEventEmitter, type EventEmitterOptions } from './events/emitter.js';
import { Metrics, type StreamEnd } from './metrics/metrics.js';
import { RuleEngine } from './rules/engine.js';
import { loadRuleSet, type RuleSet } from './rules/load.js';
import { createProcessHandler } from './session/stream-handler.js';
import { TransactionState, type Transaction } from './session/transaction.js';
import { setServing, startGrpcServer } from './transport/grpc-server.js';

export interface ServiceOptions {
  settings: Settings;
  logger: Logger;
  /** Destination of security events; stdout (fd 1) by default. */
  eventDestination?: EventEmitterOptions['destination'];
  /** Start the admin server (default true). */
  admin?: boolean;
  /** Collect Node process metrics (default true). */
  processMetrics?: boolean;
}

export interface RunningService {
  grpcPort: number;
  adminPort: number | null;
  ruleSet: RuleSet;
  metrics: Metrics;
  /** Stops accepting streams, lets open ones finish within the grace period, flushes events. */
  stop(): Promise<void>;
}

/** Loads the rules and starts serving; throws CtxprocError on bad rules or settings. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { settings, logger } = options;
  // Checked before anything binds, so a wide admin address without a token stops startup cleanly.
  const adminAccess = options.admin === false ? null : resolveAdminAccess(parseAddress(settings.admin, '--admin').host, settings.adminTokenFile, settings.adminAllowOpen);
  const ruleSet = loadRuleSet(settings.rules);
  const engine = new RuleEngine(ruleSet);
  const metrics = new Metrics({ processMetrics: options.processMetrics });
  const emitter = createEventEmitter({ destination: options.eventDestination });
  const open = new Set<Transaction>();
  let ready = false;

  const emitEvent = (transaction: Transaction, end: StreamEnd): void => {
    countDecisions(metrics, transaction);
    // A stream that carried no message describes no HTTP transaction.
    if (!transaction.record.log || transaction.messageCount === 0) {
      return;
    }
    const event = buildSecurityEvent(transaction.exchange, transaction.record, {
      service: settings.service,
      env: settings.env ?? undefined,
      version: settings.version ?? undefined,
      rulesVersion: ruleSet.version,
      outcome: { blocked: transaction.state === TransactionState.Blocked, streamEnd: end === 'completed' ? 'completed' : 'error' },
      notes: transaction.notes,
    });
    if (emitter.emit(event)) {
      metrics.eventsEmitted.inc();
    } else {
      metrics.eventFailures.inc();
    }
  };

  const handler = createProcessHandler({
    startRules: () => ({ runner: engine.start(), rulesVersion: ruleSet.version }),
    emitEvent,
    metrics,
    logger,
    bodyLimitBytes: settings.bodyLimitBytes,
    maxHeaders: settings.maxHeaders,
    maxMessageBytes: settings.maxMessageBytes,
    streamIdleTimeoutMs: settings.streamIdleTimeoutMs,
    track: (transaction) => {
      open.add(transaction);
      return () => open.delete(transaction);
    },
  });

  const grpc = await startGrpcServer({
    address: settings.listen,
    maxMessageBytes: settings.maxMessageBytes,
    maxStreamsPerConnection: settings.maxStreamsPerConnection,
    resetLimit: { burst: settings.resetBurst, ratePerSecond: settings.resetRate },
    handler,
  });

  const admin: RunningAdminServer | null = adminAccess === null ? null : await startAdminServer(settings.admin, {
    registry: metrics.registry,
    isReady: () => ready,
    rules: () => ({ version: ruleSet.version, loadedAt: ruleSet.loadedAt.toISOString(), ruleCount: ruleSet.rules.length, files: ruleSet.files }),
  }, adminAccess);

  setServing(grpc.health, true);
  ready = true;
  logger.info(
    {
      listen: settings.listen,
      grpc_port: grpc.port,
      admin_port: admin?.port ?? null,
      admin_token_required: adminAccess?.tokenDigest != null,
      rules_version: ruleSet.version,
      rule_count: ruleSet.rules.length,
      rules_files: ruleSet.files,
      body_limit_bytes: settings.bodyLimitBytes,
      max_message_bytes: settings.maxMessageBytes,
      shutdown_grace_ms: settings.shutdownGraceMs,
      max_streams_per_connection: settings.maxStreamsPerConnection,
      stream_idle_timeout_ms: settings.streamIdleTimeoutMs,
    },
    'ctxproc started',
  );

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ready = false;
      setServing(grpc.health, false);
      logger.info({ open_streams: open.size, delay_ms: settings.shutdownDelayMs, grace_ms: settings.shutdownGraceMs }, 'ctxproc stopping: reporting not ready, then taking no new streams and waiting for open ones');

      // Envoy's health checker and Kubernetes need time to see NOT_SERVING
      // and move new streams elsewhere; until then ctxproc still serves them.
      await new Promise((resolve) => setTimeout(resolve, settings.shutdownDelayMs));
      await drain(grpc.server, settings.shutdownGraceMs, logger);
      for (const transaction of open) {
        emitEvent(transaction, 'completed');
      }
      open.clear();
      await flushWithin(emitter, EVENT_FLUSH_TIMEOUT_MS, logger);
      await admin?.close();
      logger.info({ events_emitted: emitter.count }, 'ctxproc stopped');
    })();
    return stopping;
  };

  return { grpcPort: grpc.port, adminPort: admin?.port ?? null, ruleSet, metrics, stop };
}

/** How long shutdown waits for stdout to take the last events, in milliseconds. */
const EVENT_FLUSH_TIMEOUT_MS = 5000;

/**
 * Waits for the emitter to write what it holds. A stdout that no longer
 * drains (a closed pipe, a stalled collector) must not keep the process
 * from exiting, so the wait is bounded and its expiry logged.
 */
async function flushWithin(emitter: { flush(): Promise<void>; failed: boolean }, timeoutMs: number, logger: Logger): Promise<void> {
  if (emitter.failed) {
    logger.error({}, 'stdout failed earlier, so the security events still buffered cannot be written');
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
  const result = await Promise.race([emitter.flush().then(() => 'flushed' as const, () => 'failed' as const), expired]);
  clearTimeout(timer);
  if (result !== 'flushed') {
    logger.error({ flush: result, timeout_ms: timeoutMs }, 'security events still buffered at exit could not be written to stdout');
  }
}

/** Waits for open calls to end, then cancels what is left after the grace period. */
function drain(server: import('@grpc/grpc-js').Server, graceMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.warn({ grace_ms: graceMs }, 'shutdown grace period over: cancelling the streams still open');
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();

    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function countDecisions(metrics: Metrics, transaction: Transaction): void {
  const record = transaction.record;
  for (const rule of record.matched) {
    metrics.ruleHits.labels(rule).inc();
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
