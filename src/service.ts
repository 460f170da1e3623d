// Assembles the running service: rules and their live reload, the ext_proc
// gRPC server, the admin server, metrics, and the shutdown sequence. The
// CLI, in-process replay and the tests all start ctxproc through
// `startService`.
import './runtime/linear-regexp.js';
import type { Logger } from 'pino';
import { startAdminServer, type RunningAdminServer } from './admin/admin-server.js';
import { resolveAdminAccess } from './admin/admin-access.js';
import { parseAddress, type Settings } from './config/settings.js';
import type { EventEmitterOptions } from './events/emitter.js';
import type { SecurityEvent } from './events/security-event.js';
import { Metrics } from './metrics/metrics.js';
import { startProcessingServer } from './processing-server.js';
import { loadRuleSet, type RuleLoadOptions, type RuleSet } from './rules/load.js';
import { RuleLoadError, type RuleProblem } from './rules/problems.js';
import { LiveRules, type RulesStatus } from './rules/reload/live-rules.js';
import { RuleReloader, type ReloadOutcome } from './rules/reload/reloader.js';
import { failuresAsProblems, runRuleTests } from './rules/testing/run-tests.js';
import { lowResetLimitWarning } from './transport/reset-limit.js';
import { setDetectionBudget } from './detection/index.js';
import { warmUpDetection } from './detection/warm-up.js';
import type { Transaction } from './session/transaction.js';
import { defaultSinksConfig, loadSinksConfig, type SinksConfig } from './sinks/config.js';

export interface ServiceOptions {
  settings: Settings;
  logger: Logger;
  /** Destination of security events; stdout (fd 1) by default. */
  eventDestination?: EventEmitterOptions['destination'];
  /** Start the admin server (default true). */
  admin?: boolean;
  /** Collect Node process metrics (default true). */
  processMetrics?: boolean;
  /** Watch settings.rules and activate changed rule sets that load and pass their tests (default true). */
  watchRules?: boolean;
  /** Milliseconds between checks of the rules path when no watch event comes (default 1000). */
  rulesPollIntervalMs?: number;
  /** Called once per ended transaction, with the event written for it or null. */
  onTransactionEnd?: (transaction: Transaction, event: SecurityEvent | null) => void;
  /** Index of this process under `serve --workers`; it goes into the start line. */
  workerIndex?: number;
}

export interface RunningService {
  grpcPort: number;
  adminPort: number | null;
  /** The rule set new transactions run on now; a reload replaces it. */
  readonly ruleSet: RuleSet;
  metrics: Metrics;
  /** The active rule set and the last rejected one, as /rules shows them. */
  rulesStatus(): RulesStatus;
  /** Checks the rules path now instead of waiting for the watcher; resolves with what the check did. */
  reloadRules(): Promise<ReloadOutcome>;
  /** Stops accepting streams, lets open ones finish within the grace period, flushes events. */
  stop(): Promise<void>;
}

/** Loads and tests the rules and starts serving; throws RuleLoadError on bad or failing rules, CtxprocError on bad settings. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { settings, logger } = options;
  // Checked before anything binds, so a wide admin address without a token stops startup cleanly.
  const adminAccess = options.admin === false ? null : resolveAdminAccess(parseAddress(settings.admin, '--admin').host, settings.adminTokenFile, settings.adminAllowOpen);
  const sinksConfig = sinksConfigOf(settings, process.env);
  const sinkNames = new Set(sinksConfig.sinks.map((sink) => sink.name));
  const loadOptions = { sinkNames, maxRules: settings.maxRules, maxRuleFileBytes: settings.maxRuleFileBytes };
  const live = new LiveRules(await loadTestedRuleSet(settings.rules, loadOptions), { dryRun: settings.dryRun });
  setDetectionBudget(settings.detectionBudgetMs);
  const warmUpMs = warmUpDetection();
  const metrics = new Metrics({ processMetrics: options.processMetrics, eventLoopResolutionMs: settings.eventLoopResolutionMs });
  metrics.ruleSetLoadedTime.set(live.ruleSet.loadedAt.getTime() / 1000);
  let ready = false;

  const processing = await startProcessingServer({
    settings,
    logger,
    metrics,
    activeEngine: () => live.engine,
    sinksConfig,
    eventDestination: options.eventDestination,
    onTransactionEnd: options.onTransactionEnd,
  });

  const admin: RunningAdminServer | null = options.admin === false ? null : await startAdminServer(settings.admin, {
    registry: metrics.registry,
    isReady: () => ready,
    rules: () => live.status(),
  }, adminAccess ?? undefined);

  const reloader = new RuleReloader({ target: settings.rules, live, logger, metrics, verify: testFailures, loadOptions, pollIntervalMs: options.rulesPollIntervalMs });
  if (options.watchRules !== false) {
    reloader.start();
  }

  processing.setServing(true);
  ready = true;
  logStart(logger, settings, processing.port, admin, live.ruleSet, { workerIndex: options.workerIndex, adminTokenRequired: adminAccess?.tokenDigest != null, warmUpMs });

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ready = false;
      reloader.close();
      processing.setServing(false);
      logger.info({ open_streams: processing.openStreams(), delay_ms: settings.shutdownDelayMs, grace_ms: settings.shutdownGraceMs }, 'ctxproc stopping: reporting not ready, then taking no new streams and waiting for open ones');

      // Envoy's health checker and Kubernetes need time to see NOT_SERVING
      // and move new streams elsewhere; until then ctxproc still serves them.
      await new Promise((resolve) => setTimeout(resolve, settings.shutdownDelayMs));
      await processing.stop();
      await admin?.close();
      logger.info({ events_emitted: processing.eventsEmitted() }, 'ctxproc stopped');
    })();
    return stopping;
  };

  return {
    grpcPort: processing.port,
    adminPort: admin?.port ?? null,
    get ruleSet() {
      return live.ruleSet;
    },
    metrics,
    rulesStatus: () => live.status(),
    reloadRules: () => reloader.check(),
    stop,
  };
}

/** Loads the rule set at target and runs its tests; a set whose tests fail is rejected like an invalid one. */
async function loadTestedRuleSet(target: string, loadOptions: RuleLoadOptions): Promise<RuleSet> {
  const ruleSet = loadRuleSet(target, loadOptions);
  const failures = await testFailures(ruleSet);
  if (failures.length > 0) {
    throw new RuleLoadError(failures);
  }
  return ruleSet;
}

function sinksConfigOf(settings: Settings, env: NodeJS.ProcessEnv): SinksConfig {
  if (settings.sinks === null) {
    return defaultSinksConfig();
  }
  return loadSinksConfig(settings.sinks, { ddSite: settings.ddSite, ddApiKeyFile: settings.ddApiKeyFile, env });
}

async function testFailures(ruleSet: RuleSet): Promise<RuleProblem[]> {
  return failuresAsProblems(await runRuleTests(ruleSet));
}

/** Facts for the start line that the settings do not hold. */
interface StartFacts {
  workerIndex: number | undefined;
  adminTokenRequired: boolean;
  /** Milliseconds the detectors' warm-up took. */
  warmUpMs: number;
}

function logStart(logger: Logger, settings: Settings, grpcPort: number, admin: RunningAdminServer | null, ruleSet: RuleSet, facts: StartFacts): void {
  const { workerIndex } = facts;
  logger.info(
    {
      listen: settings.listen,
      grpc_port: grpcPort,
      admin_host: admin === null ? null : parseAddress(settings.admin, '--admin').host,
      admin_port: admin?.port ?? null,
      rules_version: ruleSet.version,
      rule_count: ruleSet.rules.length,
      test_count: ruleSet.tests.length,
      rules_files: ruleSet.files,
      body_limit_bytes: settings.bodyLimitBytes,
      detection_budget_ms: settings.detectionBudgetMs,
      detection_warm_up_ms: Math.round(facts.warmUpMs),
      max_message_bytes: settings.maxMessageBytes,
      shutdown_grace_ms: settings.shutdownGraceMs,
      max_streams_per_connection: settings.maxStreamsPerConnection,
      reset_burst: settings.resetBurst,
      reset_rate: settings.resetRate,
      stream_idle_timeout_ms: settings.streamIdleTimeoutMs,
      admin_token_required: facts.adminTokenRequired,
      dry_run: settings.dryRun,
      transport: settings.transport,
      ...(workerIndex === undefined ? {} : { worker: workerIndex, pid: process.pid }),
    },
    // Under --workers the primary writes the one 'ctxproc started' line, once every worker serves.
    workerIndex === undefined ? 'ctxproc started' : 'ctxproc worker started',
  );

  // Every worker has the same settings, so only the first one warns.
  const resetWarning = lowResetLimitWarning({ burst: settings.resetBurst, ratePerSecond: settings.resetRate });
  if (resetWarning !== null && (workerIndex === undefined || workerIndex === 0)) {
    logger.warn({ reset_burst: settings.resetBurst, reset_rate: settings.resetRate }, resetWarning);
  }
}
