// `ctxproc serve`: runs the service until SIGTERM or SIGINT.
import { Command, Option } from 'commander';
import { resolveSettings, SETTINGS, type Settings } from '../config/settings.js';
import { CtxprocError } from '../errors/codes.js';
import { createLogger, stdoutDestination } from '../log/logger.js';
import { formatProblem, RuleLoadError } from '../rules/problems.js';
import { startService } from '../service.js';

/** Adds one option per setting, with its environment variable and default. */
export function addSettingOptions(command: Command, keys?: Array<keyof Settings>): Command {
  for (const definition of SETTINGS) {
    if (keys && !keys.includes(definition.key)) {
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

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('Run the ext_proc gRPC service on the given rules until SIGTERM or SIGINT.');
  addSettingOptions(command).action(runServe);
}

async function runServe(options: Record<string, unknown>): Promise<void> {
  const settings = settingsOrExit(options);
  const logger = createLogger({ level: settings.logLevel, service: settings.service });

  let service;
  try {
    service = await startService({ settings, logger });
  } catch (error) {
    reportStartupError(logger, error);
    exitAfterFlush(1);
    return;
  }

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutdown signal received');
    service.stop().then(
      () => exitAfterFlush(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exitAfterFlush(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** Resolves settings or exits with status 2 and the reason on stderr. */
export function settingsOrExit(options: Record<string, unknown>): Settings {
  try {
    return resolveSettings(options as Partial<Record<keyof Settings, unknown>>, process.env);
  } catch (error) {
    process.stderr.write(`ctxproc: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

function reportStartupError(logger: ReturnType<typeof createLogger>, error: unknown): void {
  // People start ctxproc by hand too: the reason also goes to stderr as plain text.
  process.stderr.write(`ctxproc: could not start: ${(error as Error).message}\n`);
  if (error instanceof RuleLoadError) {
    logger.fatal({ error_code: 'CTXPROC_RULES_INVALID', problems: error.problems.map(formatProblem) }, 'ctxproc could not start: the rule set is invalid');
    return;
  }
  if (error instanceof CtxprocError) {
    logger.fatal({ error_code: error.code }, `ctxproc could not start: ${error.message}`);
    return;
  }
  logger.fatal({ err: error }, 'ctxproc could not start');
}

/** Writes out what the shared stdout stream still holds, then exits. */
function exitAfterFlush(code: number): void {
  try {
    (stdoutDestination() as { flushSync?: () => void }).flushSync?.();
  } catch {
    // Nothing buffered yet, or stdout is closed: there is nothing left to write.
  }
  process.exit(code);
}
