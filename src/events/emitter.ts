// Writes security events as one JSON line each, through pino. The builder
// has already redacted the event. pino's `redact` is a second net over the
// headers that always carry credentials, in case an event reaches the
// emitter without passing through the builder's redaction.
import pino from 'pino';
import { isMask } from '../redaction/mask.js';
import { rewriteCookieHeader, rewriteSetCookie, type CookieRewriter } from '../redaction/cookies.js';
import { openDestination, statusLabel, type LogDestination } from '../log/logger.js';
import type { SecurityEvent } from './security-event.js';

export interface EventEmitterOptions {
  /** Default: stdout, shared with the operational logger. */
  destination?: LogDestination;
}

export interface EventEmitter {
  /**
   * Writes one event line; the status label picks the pino level. Returns
   * false once the destination has failed (a closed pipe): the line is lost,
   * and the caller counts it.
   */
  emit(event: SecurityEvent): boolean;
  /** Resolves once every line written so far has reached the destination. */
  flush(): Promise<void>;
  /** Events written since creation. */
  readonly count: number;
  /** True once the destination reported an error; nothing more reaches it. */
  readonly failed: boolean;
}

const HEADER_MASK = '[REDACTED:header]';
const COOKIE_MASK = '[REDACTED:cookie]';

/** pino paths are compiled at startup and never built from input. */
const NET_PATHS = [
  'ctxproc.headers.request.authorization',
  'ctxproc.headers.request["proxy-authorization"]',
  'ctxproc.headers.request.cookie',
  'ctxproc.headers.request["x-api-key"]',
  'ctxproc.headers.response["set-cookie"]',
];

/** Keeps cookie names and Set-Cookie attributes; masks every value the builder left readable. */
const COOKIE_NET: CookieRewriter = {
  rewriteName: (name) => name,
  rewriteValue: (_name, value) => (isMask(value) ? value : COOKIE_MASK),
  rewriteOther: (text) => (isMask(text) ? text : COOKIE_MASK),
};

const SET_COOKIE_NET: CookieRewriter = { ...COOKIE_NET, rewriteOther: (attributes) => attributes };

/** Creates an emitter; tests pass a stream as `destination` to read the lines. */
export function createEventEmitter(options: EventEmitterOptions = {}): EventEmitter {
  const destination = openDestination(options.destination);
  const logger = pino(
    {
      level: 'info',
      base: null,
      timestamp: false,
      messageKey: 'message',
      formatters: { level: statusLabel },
      redact: { paths: NET_PATHS, censor: censorHeader },
    },
    destination,
  );

  let count = 0;
  let failed = false;
  (destination as Partial<NodeJS.EventEmitter>).on?.('error', () => {
    failed = true;
  });
  return {
    emit(event) {
      if (failed) {
        return false;
      }
      const { status, ...fields } = event;
      logger[status](fields);
      count += 1;
      return true;
    },
    flush: () => flushDestination(destination),
    get count() {
      return count;
    },
    get failed() {
      return failed;
    },
  };
}

/** pino censor: values the builder masked stay as they are, anything else is masked. */
function censorHeader(value: unknown, path: string[]): unknown {
  const name = path[path.length - 1];
  return Array.isArray(value) ? value.map((item: unknown) => censorValue(name, item)) : censorValue(name, value);
}

function censorValue(name: string | undefined, value: unknown): unknown {
  if (typeof value !== 'string') {
    return HEADER_MASK;
  }
  if (isMask(value)) {
    return value;
  }
  if (name === 'cookie') {
    return rewriteCookieHeader(value, COOKIE_NET);
  }
  if (name === 'set-cookie') {
    return rewriteSetCookie(value, SET_COOKIE_NET);
  }
  return HEADER_MASK;
}

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
function flushDestination(destination: pino.DestinationStream): Promise<void> {
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
