// Waits until a pino destination has written its buffer, for the event
// sinks' close and for the last flush before ctxproc exits.
import type pino from 'pino';

interface EventSource {
  once(event: string, listener: (error?: Error) => void): unknown;
  off(event: string, listener: (error?: Error) => void): unknown;
  write(chunk: string): unknown;
}

/**
 * Resolves once the destination has written everything. A pino file
 * destination (SonicBoom, sync: false) emits 'drain' when its buffer is
 * empty, and writing an empty string starts that cycle even when idle. A
 * Node stream needs waiting only while it signals backpressure.
 */
export function flushDestination(destination: pino.DestinationStream): Promise<void> {
  const stream = destination as pino.DestinationStream & Partial<EventSource> & { flushSync?: unknown; writableNeedDrain?: boolean };
  if (typeof stream.once !== 'function' || typeof stream.off !== 'function') {
    return Promise.resolve();
  }
  const isSonicBoom = typeof stream.flushSync === 'function';
  if (!isSonicBoom && !stream.writableNeedDrain) {
    return Promise.resolve();
  }

  return new Promise((resolve, reject) => {
    const events = stream as EventSource;
    const done = (error?: Error) => {
      events.off('drain', done);
      events.off('error', done);
      events.off('close', done);
      if (error instanceof Error) {
        reject(error);
      } else {
        resolve();
      }
    };
    events.once('drain', done);
    events.once('error', done);
    events.once('close', done);
    if (isSonicBoom) {
      events.write('');
    }
  });
}

/**
 * Flushes destination, or gives up after ms. A SonicBoom stream retries a
 * pipe that takes nothing (EAGAIN) without end, so a log collector that
 * stopped reading would otherwise keep ctxproc from exiting.
 */
export async function flushWithin(destination: pino.DestinationStream, ms: number): Promise<'flushed' | 'failed' | 'expired'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), ms);
  });
  const result = await Promise.race([flushDestination(destination).then(() => 'flushed' as const, () => 'failed' as const), expired]);
  clearTimeout(timer);
  return result;
}
