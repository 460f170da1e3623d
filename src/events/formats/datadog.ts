// The `datadog` format: the security event as today's stdout line, written
// through the same pino instance as the emitter, so that its second net over
// credential headers applies to every sink, not only to stdout.
import { createEventEmitter } from '../emitter.js';
import type { SecurityEvent } from '../security-event.js';

/** Creates a function that returns one event as a JSON line without the trailing newline. */
export function createDatadogSerializer(): (event: SecurityEvent) => string {
  let line = '';
  const emitter = createEventEmitter({
    // pino writes each line synchronously to a destination that is a plain object.
    destination: { write: (chunk: string) => { line = chunk; } },
  });

  return (event) => {
    line = '';
    emitter.emit(event);
    return line.endsWith('\n') ? line.slice(0, -1) : line;
  };
}
