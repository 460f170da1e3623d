// `ctxproc replay`: pushes HAR recordings and go-ftw test files through an
// ext_proc server exactly as Envoy would, and prints a summary. Without
// --server it starts ctxproc in this process on a loopback port. It talks
// only to that server and to its built-in reflecting upstream: hosts named
// in recordings are never resolved or contacted.
import { Command, Option } from 'commander';
import { parseAddress, resolveSettings } from '../config/settings.js';
import { createLogger, onStdoutReaderClosed } from '../log/logger.js';
import { formatProblem, RuleLoadError } from '../rules/problems.js';
import { formatSummary, replayFailed, replayFiles } from '../replay/run.js';
import { startService, type RunningService } from '../service.js';

const BODY_MODES = ['NONE', 'STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED'];

interface ReplayOptions {
  server?: string;
  rules: string;
  json?: boolean;
  concurrency: string;
  closeMode: 'reset' | 'graceful';
  requestBodyMode: string;
  responseBodyMode: string;
  messageTimeout: string;
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Replay HAR 1.2 files and go-ftw YAML test files (a directory means every such file under it) through an ext_proc server, as Envoy would, and print a summary. Exits 1 when any transaction hit a protocol error or timeout, or a file could not be read, and 141 without a summary once a reader such as head closes stdout.')
    .argument('<paths...>', 'HAR (.har) or go-ftw (.yaml, .yml) files, or directories')
    .option('--server <host:port>', 'ext_proc server to replay against; without it, ctxproc starts in this process on 127.0.0.1 with --rules')
    .addOption(new Option('--rules <path>', 'rules file or directory for the in-process server').env('CTXPROC_RULES').default('rules'))
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .option('--concurrency <count>', 'transactions in flight at once', '16')
    .addOption(new Option('--close-mode <mode>', 'how each stream ends: reset (Envoy\'s default, RST_STREAM) or graceful (half-close)').choices(['reset', 'graceful']).default('reset'))
    .addOption(new Option('--request-body-mode <mode>', 'Envoy processing mode for request bodies').choices(BODY_MODES).default('BUFFERED'))
    .addOption(new Option('--response-body-mode <mode>', 'Envoy processing mode for response bodies').choices(BODY_MODES).default('NONE'))
    .option('--message-timeout <ms>', 'Envoy message_timeout per message, in milliseconds', '200')
    .action(runReplay);
}

/**
 * Exit status once stdout's reader closed the pipe: 128 + SIGPIPE (13), the
 * status a shell reports for a Unix tool that SIGPIPE ended. Node ignores
 * SIGPIPE, so replay sets the status itself.
 */
const EXIT_READER_CLOSED = 141;

async function runReplay(paths: string[], options: ReplayOptions): Promise<void> {
  const concurrency = positiveInteger(options.concurrency, '--concurrency');
  const messageTimeoutMs = positiveInteger(options.messageTimeout, '--message-timeout');
  if (options.server) {
    parseAddress(options.server, '--server');
  }

  // Security events of an in-process server go to stdout; operational logs
  // go to stderr so that the summary stays the last line of stdout.
  const logger = createLogger({ level: 'warn', destination: 2 });
  // A reader such as `head` closes stdout once it has the events it wants.
  // Replay then starts no more transactions and stops without a word.
  const readerClosed = new AbortController();
  onStdoutReaderClosed(() => readerClosed.abort());
  let service: RunningService | null = null;
  if (!options.server) {
    // The in-process server has no Envoy or Kubernetes to warn before it stops.
    const settings = { ...resolveSettings({ rules: options.rules }, process.env), listen: '127.0.0.1:0', shutdownDelayMs: 0 };
    try {
      service = await startService({ settings, logger, admin: false, processMetrics: false });
    } catch (error) {
      if (!(error instanceof RuleLoadError)) {
        throw error;
      }
      process.stderr.write(`${error.problems.map(formatProblem).join('\n')}\n\nctxproc: the rules do not load, so nothing was replayed; fix the problems above\n`);
      process.exitCode = 1;
      return;
    }
  }
  const target = options.server ?? `127.0.0.1:${service!.grpcPort}`;

  let summary: Awaited<ReturnType<typeof replayFiles>>;
  try {
    summary = await replayFiles(paths, {
      target,
      concurrency,
      signal: readerClosed.signal,
      clientOptions: {
        closeMode: options.closeMode,
        messageTimeoutMs,
        processingMode: {
          request_body_mode: options.requestBodyMode as 'BUFFERED',
          response_body_mode: options.responseBodyMode as 'NONE',
        },
      },
    });
  } catch (error) {
    // A missing or unreadable input path: print which one, without a stack trace.
    await service?.stop();
    process.stderr.write(`ctxproc: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }

  await service?.stop();
  if (readerClosed.signal.aborted) {
    process.exitCode = EXIT_READER_CLOSED;
    return;
  }
  // A reader such as `head` may close the pipe once it has the lines it
  // needs. The rest of the summary is then dropped without an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') {
      throw error;
    }
  });
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  process.exitCode = replayFailed(summary) ? 1 : 0;
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    process.stderr.write(`ctxproc: ${flag} is "${text}"; expected a positive whole number\n`);
    process.exit(2);
  }
  return value;
}

