// `ctxproc serve`: runs the service until SIGTERM or SIGINT.
import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import { startPrimary } from '../cluster/primary.js';
import { announceWorker, workerIndex } from '../cluster/worker.js';
import { resolveSettings, SETTINGS, type Settings } from '../config/settings.js';
import { CtxprocError } from '../errors/codes.js';
import { flushWithin } from '../log/flush.js';
import { createLogger, stdoutDestination, stdoutWriteFailure } from '../log/logger.js';
import { formatProblem, listedProblems, RuleLoadError } from '../rules/problems.js';
import { startService, type RunningService } from '../service.js';

/** Adds one option per setting (or per setting in keys), with its environment variable and default. */
export function addSettingOptions(command: Command, keys?: readonly (keyof Settings)[]): Command {
  for (const definition of SETTINGS) {
    if (keys !== undefined && !keys.includes(definition.key)) {
      continue;
    }
    const option = new Option(definition.flag, definition.description).env(definition.env);
    if (definition.defaultValue !== null) {
      option.default(definition.defaultValue);
    }
    command.addOption(option);
  }
  return command;
}

/**
 * Maps commander's option values to settings. Commander names a value after
 * its flag (--body-limit becomes bodyLimit), which differs from some setting
 * keys, and it has already applied the flag, environment, default order.
 * The origin of each value goes along, so an error names the variable or flag
 * the user set.
 */
export function settingsFromCommand(command: Command): { values: Partial<Record<keyof Settings, unknown>>; origins: Partial<Record<keyof Settings, string>> } {
  const values: Partial<Record<keyof Settings, unknown>> = {};
  const origins: Partial<Record<keyof Settings, string>> = {};

  for (const definition of SETTINGS) {
    const option = command.options.find((candidate) => candidate.long === definition.flag.split(' ')[0]);
    if (!option) {
      continue;
    }
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    const value = command.getOptionValue(name);
    // An empty variable (CTXPROC_LISTEN=) means unset, as it does for most Unix tools.
    if (source === 'default' || source === undefined || (source === 'env' && value === '')) {
      continue;
    }
    values[definition.key] = value;
    origins[definition.key] = source === 'env' ? definition.env : option.long ?? definition.key;
  }
  return { values, origins };
}

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('Run the ext_proc gRPC service on the given rules until SIGTERM or SIGINT.');
  addSettingOptions(command).action((_options: unknown, self: Command) => runServe(self));
}

/** Milliseconds within which a repeated shutdown signal is the same request delivered twice. */
const REPEATED_SIGNAL_MS = 1000;

async function runServe(command: Command): Promise<void> {
  const settings = settingsOrExit(command);
  const logger = createLogger({ level: settings.logLevel, service: settings.service });

  // Handlers go in before the service starts: a signal that arrives while
  // it starts must still stop it gracefully, not end the process at once.
  let started: Promise<Pick<RunningService, 'stop'> | null> = Promise.resolve(null);
  let stoppingSince: number | null = null;
  const shutdown = (signal: string): void => {
    // Kubernetes and process managers may repeat the signal; only SIGKILL
    // should cut the grace period short and lose the open transactions' events.
    // Ctrl-C under `npm start` arrives twice at once (from the terminal and
    // from npm), so a repeat within a second is not worth a warning.
    if (stoppingSince !== null) {
      if (Date.now() - stoppingSince >= REPEATED_SIGNAL_MS) {
        logger.warn({ signal }, 'shutdown already in progress; send SIGKILL to stop at once');
      }
      return;
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutdown signal received');
    // Stopping waits for startup to finish. A startup that hangs, such as a
    // worker stuck before it serves, ends the process after the grace period.
    // The deadline covers startup only: once it has finished, the service's
    // own stop takes the shutdown delay and the grace period.
    const startupDeadline = setTimeout(() => {
      logger.error({ grace_ms: settings.shutdownGraceMs }, 'ctxproc had not finished starting when the shutdown grace period ended; exiting now');
      exitAfterFlush(1);
    }, settings.shutdownGraceMs);
    startupDeadline.unref();
    started
      .then((service) => {
        clearTimeout(startupDeadline);
        return service?.stop();
      })
      .then(
        () => exitAfterFlush(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          exitAfterFlush(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  started = start(settings, logger, (error) => {
    logger.fatal({ error_code: error.code }, `ctxproc is stopping: ${error.message}`);
    shutdown('worker failure');
  }).catch((error: unknown) => {
    // A signal during startup stops the workers too, which then fail the
    // start: that is the requested stop, not a startup error.
    if (stoppingSince !== null) {
      logger.info({ reason: error instanceof Error ? error.message : String(error) }, 'ctxproc stopped before it finished starting');
      exitAfterFlush(0);
      return null;
    }
    reportStartupError(logger, error);
    exitAfterFlush(1);
    return null;
  });
  await started;
}

/**
 * Starts the service in this process, or, with --workers above 1, the
 * primary that forks the workers. A worker runs this same command again,
 * started by the cluster module with its index in the environment.
 */
async function start(settings: Settings, logger: ReturnType<typeof createLogger>, onFatal: (error: CtxprocError) => void): Promise<Pick<RunningService, 'stop'>> {
  if (settings.workers > 1 && cluster.isPrimary) {
    return startPrimary(settings, logger, onFatal);
  }

  const index = workerIndex();
  if (index === undefined) {
    return startService({ settings, logger });
  }
  // The primary runs the only admin server and aggregates the workers' state.
  const service = await startService({ settings, logger, admin: false, workerIndex: index });
  announceWorker(service);
  // A worker whose primary is gone would serve on without health checks or restarts.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  return service;
}

/** Resolves settings or exits with status 2 and the reason on stderr. */
export function settingsOrExit(command: Command): Settings {
  try {
    const { values, origins } = settingsFromCommand(command);
    return resolveSettings(values, {}, origins);
  } catch (error) {
    process.stderr.write(`ctxproc: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

function reportStartupError(logger: ReturnType<typeof createLogger>, error: unknown): void {
  // People start ctxproc by hand too: the reason also goes to stderr as plain text.
  process.stderr.write(`ctxproc: could not start: ${(error as Error).message}\n`);
  if (error instanceof RuleLoadError) {
    logger.fatal({ error_code: 'CTXPROC_RULES_INVALID', problem_count: error.problems.length, problems: listedProblems(error.problems).map(formatProblem) }, 'ctxproc could not start: the rule set is invalid');
    return;
  }
  if (error instanceof CtxprocError) {
    logger.fatal({ error_code: error.code }, `ctxproc could not start: ${error.message}`);
    return;
  }
  logger.fatal({ err: error }, 'ctxproc could not start');
}

/**
 * Milliseconds the exit waits for stdout to take its buffer. The
 * sinks had their own deadline before this, so only the last log lines and
 * any events a stalled reader left in the buffer remain.
 */
const EXIT_FLUSH_MS = 2_000;

/** Writes out the shared stdout buffer, for at most EXIT_FLUSH_MS, then exits; with status 1 at least when something was lost. */
function exitAfterFlush(code: number): void {
  const destination = stdoutDestination();
  // After EPIPE nothing more can be written, so there is nothing to wait for.
  const flushed = stdoutWriteFailure() === null ? flushWithin(destination, EXIT_FLUSH_MS) : Promise.resolve('failed' as const);
  void flushed.then((result) => {
    if (result === 'flushed') {
      process.exit(code);
    }

    const failure = stdoutWriteFailure();
    let reason = `its reader took nothing within ${EXIT_FLUSH_MS} ms`;
    if (failure !== null) {
      reason = `writing failed: ${failure.message}`;
    } else if (result === 'failed') {
      reason = 'writing failed';
    }
    process.stderr.write(`ctxproc: stdout could not take the last log lines and security events (${reason}), so those still buffered are lost; exiting with status 1. Check the process that reads ctxproc's stdout.\n`);
    // pino flushes its destinations synchronously on exit, and SonicBoom
    // retries a full or broken pipe there without end. A destroyed stream
    // is skipped, so the process can exit.
    (destination as Partial<{ destroy(): void }>).destroy?.();
    process.exit(Math.max(code, 1));
  });
}
