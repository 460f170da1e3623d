// The operational logger, for starts, stops, reloads and errors caught and
// not re-raised. It shares its pino conventions with security events: one
// JSON line per entry on stdout, `status` as a Datadog label instead of
// pino's numeric `level`, an ISO-8601 `timestamp`, and `message` as the
// message key. Datadog's status remapper maps only the integers 0 to 7, so
// it would read a numeric pino level (30, 40) as info.
import pino from 'pino';
import { CtxprocError } from '../errors/codes.js';

/** A pino destination stream, a file descriptor, or a file path. */
export type LogDestination = pino.DestinationStream | number | string;

export interface LoggerOptions {
  /** Minimum level: trace, debug, info, warn, error, fatal or silent. */
  level: string;
  /** Default: stdout, shared with the security event emitter. */
  destination?: LogDestination;
  /** `service`; default "ctxproc". */
  service?: string;
  /** `logger.name`; default "ctxproc". */
  name?: string;
}

const LEVELS = new Set([...Object.keys(pino.levels.values), 'silent']);

/** Header keys that must never reach a log line, wherever a caller puts a header map. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

/** Default bound of the stdout buffer: 64 MiB, about 30,000 events of 2 KB, the same as a file sink's. */
export const DEFAULT_STDOUT_BUFFER_BYTES = 64 * 1024 * 1024;

let stdout: (pino.DestinationStream & { maxLength?: number }) | null = null;

/** The last error writing to stdout, such as EPIPE once the reader has closed the pipe. */
let stdoutFailure: Error | null = null;

/** Returns the last error writing to stdout, or null when every write so far succeeded. */
export function stdoutWriteFailure(): Error | null {
  return stdoutFailure;
}

/** Called in place of the stderr report once stdout's reader closed the pipe, in commands whose reader may stop early. */
let readerClosedListener: (() => void) | null = null;

/**
 * Declares that stdout's reader may close the pipe on purpose, as `head`
 * does, and sets the function called when it has. An EPIPE on stdout is then
 * no fault to report. `ctxproc serve` never calls this, because a log
 * collector that closes the pipe loses events.
 */
export function onStdoutReaderClosed(listener: () => void): void {
  readerClosedListener = listener;
}

/** Returns true when stdout's reader closed the pipe (EPIPE) in a command that declared it may. */
export function stdoutClosedByReader(): boolean {
  return readerClosedListener !== null && (stdoutFailure as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}
let droppedLogLines = 0;
let lastDropReport = 0;

/**
 * Returns the process's single asynchronous stdout stream. Operational logs
 * and security events share it, because two writers on one pipe can
 * interleave the pieces of a line longer than the pipe's atomic write size
 * (4096 bytes on Linux). Its buffer is bounded, so a log collector that
 * stops reading cannot grow ctxproc's memory without limit: a line that
 * does not fit is dropped, and the stdout sink counts its events as
 * `queue_full`.
 */
export function stdoutDestination(): pino.DestinationStream {
  if (!stdout) {
    const destination = pino.destination({ dest: 1, sync: false, maxLength: DEFAULT_STDOUT_BUFFER_BYTES });
    destination.on('drop', reportDroppedLine);
    // Without a listener, a write error such as EPIPE (the log collector
    // closed the pipe) would be thrown as an uncaught 'error' event and stop
    // the service. Report it on stderr instead, at most once a minute.
    let lastReport = 0;
    destination.on('error', (error: Error) => {
      stdoutFailure = error;
      if (stdoutClosedByReader()) {
        readerClosedListener!();
        return;
      }
      const now = Date.now();
      if (now - lastReport >= 60_000) {
        lastReport = now;
        process.stderr.write(`ctxproc: writing to stdout failed (${error.message}); security events and logs are not reaching the log collector\n`);
      }
    });
    stdout = destination;
  }
  return stdout;
}

/** Sets the stdout buffer's bound in bytes; SonicBoom compares each write with it, so a change applies to the next line. */
export function setStdoutBufferBytes(maxBytes: number): void {
  (stdoutDestination() as { maxLength?: number }).maxLength = maxBytes;
}

/** Reports dropped stdout lines on stderr, at most once a minute, because the lost lines may be the operational log itself. */
function reportDroppedLine(): void {
  droppedLogLines += 1;
  const now = Date.now();
  if (now - lastDropReport < 60_000) {
    return;
  }

  lastDropReport = now;
  process.stderr.write(`ctxproc: stdout's buffer is full because its reader is too slow, so lines are dropped (${droppedLogLines} so far); security events among them are counted in ctxproc_sink_events_dropped_total{reason="queue_full"}; check the log collector that reads ctxproc's stdout\n`);
}

/** Opens a destination: a stream as given, a file descriptor or a file path asynchronously. */
export function openDestination(destination: LogDestination | undefined): pino.DestinationStream {
  if (destination === undefined || destination === 1) {
    return stdoutDestination();
  }
  if (typeof destination === 'number' || typeof destination === 'string') {
    return pino.destination({ dest: destination, sync: false, mkdir: typeof destination === 'string' });
  }
  return destination;
}

/** pino level formatter: writes the label as `status` (`info`, `warn`, `error`). */
export function statusLabel(label: string): { status: string } {
  return { status: label };
}

/** pino timestamp function: `"timestamp":"2025-01-31T12:00:00.000Z"`, a key Datadog reads as the log date. */
export function isoTimestamp(): string {
  return `,"timestamp":"${new Date().toISOString()}"`;
}

/** Creates the operational logger; throws CTXPROC_CONFIG_INVALID on an unknown level. */
export function createLogger(options: LoggerOptions): pino.Logger {
  if (!LEVELS.has(options.level)) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `log level "${options.level}" is unknown; use one of ${[...LEVELS].join(', ')}`);
  }

  return pino(
    {
      level: options.level,
      base: { service: options.service ?? 'ctxproc', logger: { name: options.name ?? 'ctxproc' }, ctxproc: { kind: 'operational' } },
      timestamp: isoTimestamp,
      messageKey: 'message',
      errorKey: 'error',
      formatters: { level: statusLabel },
      serializers: { error: serializeError },
      redact: { paths: secretHeaderPaths(), censor: '[REDACTED:header]' },
    },
    openDestination(options.destination),
  );
}

/** `error.kind`, `error.message`, `error.stack`: Datadog's standard error attributes. */
function serializeError(error: unknown): { kind: string; message: string; stack?: string } {
  if (!(error instanceof Error)) {
    return { kind: typeof error, message: String(error) };
  }

  const code = (error as { code?: unknown }).code;
  return { kind: typeof code === 'string' ? code : error.name, message: error.message, stack: error.stack };
}

/** `headers.<name>` and `*.headers.<name>` for each secret header, as pino redact paths. */
function secretHeaderPaths(): string[] {
  return SECRET_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]);
}
