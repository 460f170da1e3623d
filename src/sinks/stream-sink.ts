// The `stdout` and `file` sinks: one JSON line per event on an asynchronous
// pino destination (SonicBoom). stdout is shared with the operational log so
// that two writers never interleave pieces of a line on one pipe.
import type { Logger } from 'pino';
import { createEventEmitter } from '../events/emitter.js';
import { createFormatter, type EventFormat } from '../events/formats/index.js';
import { openDestination, type LogDestination } from '../log/logger.js';
import type { SinkCounters, Sink, SinkType } from './sink.js';

export interface StreamSinkOptions {
  name: string;
  type: Extract<SinkType, 'stdout' | 'file'>;
  format: EventFormat;
  /** stdout when undefined; a path for file sinks; a stream in tests. */
  destination: LogDestination | undefined;
  counters: SinkCounters;
  logger: Logger;
}

/**
 * Creates a stdout or file sink. Its queue is the destination's write
 * buffer: the line is handed over at once and written when the descriptor
 * takes it.
 */
export function createStreamSink(options: StreamSinkOptions): Sink {
  const destination = openDestination(options.destination);
  // The emitter writes Datadog lines exactly as before sinks existed, and its flush() waits for SonicBoom's drain cycle.
  const emitter = createEventEmitter({ destination });
  const format = options.format === 'datadog' ? null : createFormatter(options.format);
  const counters = options.counters;
  let failureLogged = false;

  return {
    name: options.name,
    type: options.type,

    accept(event) {
      counters.accepted.inc();
      let written: boolean;
      if (format === null) {
        written = emitter.emit(event);
      } else {
        written = !emitter.failed;
        if (written) {
          destination.write(`${format(event)}\n`);
        }
      }

      if (written) {
        counters.sent.inc();
        return;
      }
      counters.dropped('write_failed').inc();
      if (!failureLogged && options.type === 'file') {
        failureLogged = true;
        options.logger.error({ sink: options.name }, 'the file sink\'s destination failed, so its events are dropped and counted; check the path and the disk');
      }
    },

    async close(deadline) {
      if (emitter.failed) {
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), Math.max(0, deadline - Date.now()));
      });
      const result = await Promise.race([emitter.flush().then(() => 'flushed' as const, () => 'failed' as const), expired]);
      clearTimeout(timer);
      if (result !== 'flushed') {
        options.logger.error({ sink: options.name, flush: result }, 'security events still buffered at exit could not be written');
      }
    },
  };
}
