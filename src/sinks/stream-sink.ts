// The `stdout` and `file` sinks: one JSON line per event on an asynchronous
// pino destination (SonicBoom). stdout is shared with the operational log so
// that two writers never interleave pieces of a line on one pipe.
import { accessSync, closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { CtxprocError } from '../errors/codes.js';
import { createEventEmitter } from '../events/emitter.js';
import { createFormatter, type EventFormat } from '../events/formats/index.js';
import { flushWithin } from '../log/flush.js';
import { openDestination, setStdoutBufferBytes, stdoutClosedByReader, type LogDestination } from '../log/logger.js';
import { rateLimited, type SinkCounters, type Sink, type SinkType } from './sink.js';


/** Owner read and write only: events are redacted, but they still describe the traffic. Applies to files ctxproc creates. */
const EVENT_FILE_MODE = 0o600;

export interface StreamSinkOptions {
  name: string;
  type: Extract<SinkType, 'stdout' | 'file'>;
  format: EventFormat;
  /** stdout when undefined; a path for file sinks; a stream in tests. */
  destination: LogDestination | undefined;
  /** Maximum bytes a file sink buffers while the file is slow to take them. */
  maxBufferBytes: number;
  counters: SinkCounters;
  logger: Logger;
}

/**
 * Creates a stdout or file sink. Its queue is the destination's write
 * buffer: the line is handed over at once and written when the descriptor
 * takes it. The buffer is bounded, and SonicBoom drops the line that would
 * exceed the bound. stdout's buffer is shared with the operational log.
 *
 * NOTE: a full buffer drops the newest line, not the oldest.
 */
export function createStreamSink(options: StreamSinkOptions): Sink {
  if (typeof options.destination === 'string') {
    checkWritable(options.name, options.destination);
  }
  const destination = typeof options.destination === 'string'
    ? pino.destination({ dest: options.destination, sync: false, mkdir: true, maxLength: options.maxBufferBytes, mode: EVENT_FILE_MODE })
    : openDestination(options.destination);
  if (options.destination === undefined) {
    setStdoutBufferBytes(options.maxBufferBytes);
  }
  let lineDropped = false;
  // SonicBoom emits 'drop' synchronously inside write(), so the flag belongs to the line just written.
  (destination as Partial<NodeJS.EventEmitter>).on?.('drop', () => {
    lineDropped = true;
  });
  const logOnce = rateLimited(60_000);
  // The emitter writes Datadog lines exactly as before sinks existed.
  const emitter = createEventEmitter({ destination });
  const format = options.format === 'datadog' ? null : createFormatter(options.format);
  const counters = options.counters;
  let failureLogged = false;

  return {
    name: options.name,
    type: options.type,

    accept(event) {
      counters.accepted.inc();
      lineDropped = false;
      let written: boolean;
      if (format === null) {
        written = emitter.emit(event);
      } else {
        written = !emitter.failed;
        if (written) {
          destination.write(`${format(event)}\n`);
        }
      }

      if (written && lineDropped) {
        counters.dropped('queue_full').inc();
        logOnce('queue_full', (suppressed) => {
          options.logger.warn({ sink: options.name, max_buffer_bytes: options.maxBufferBytes, suppressed_since_last: suppressed }, options.type === 'file' ? 'the file sink\'s write buffer is full, so events are dropped and counted; check the disk\'s speed and space' : 'the stdout buffer is full because its reader is too slow, so events are dropped and counted; check the log collector that reads ctxproc\'s stdout');
        });
        return;
      }
      if (written) {
        counters.sent.inc();
        return;
      }
      counters.dropped('write_failed').inc();
      if (!failureLogged && options.type === 'file') {
        failureLogged = true;
        options.logger.error({ sink: options.name, path: typeof options.destination === 'string' ? options.destination : undefined }, 'the file sink\'s destination failed, so its events are dropped and counted; check the path and the disk');
      }
    },

    async close(deadline) {
      if (emitter.failed) {
        // A reader that closed stdout on purpose (`ctxproc replay | head`) lost nothing it wanted.
        if (!(options.destination === undefined && stdoutClosedByReader())) {
          options.logger.error({ sink: options.name }, 'the sink\'s destination failed earlier, so the security events still buffered cannot be written');
        }
        return;
      }
      const result = await flushWithin(destination, Math.max(0, deadline - Date.now()));
      if (result !== 'flushed') {
        options.logger.error({ sink: options.name, flush: result }, 'security events still buffered at exit could not be written');
      }
      // stdout stays open for the operational log; a file sink's descriptor is closed once flushed.
      if (options.type === 'file' && result === 'flushed') {
        (destination as Partial<{ end(): void }>).end?.();
      }
    },
  };
}

/**
 * Opens a file sink's path for appending once, at startup. SonicBoom opens
 * it asynchronously, so a path that cannot be created would otherwise fail
 * after the service reports ready, and its events would be lost.
 */
function checkWritable(sink: string, file: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    // Opening a FIFO or a device would block until a reader comes, so an
    // existing path that is not a regular file is only checked for access.
    const existing = statSync(file, { throwIfNoEntry: false });
    if (existing !== undefined && !existing.isFile()) {
      accessSync(file, constants.W_OK);
      return;
    }
    closeSync(openSync(file, 'a', EVENT_FILE_MODE));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `file sink "${sink}" cannot open ${file} for appending (${code}); choose a writable path, such as one on a mounted volume`);
  }
}
