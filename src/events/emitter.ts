// Writes security events as one JSON line each, through pino. The builder
// has already redacted the event. A second net over the headers that always
// carry credentials masks what is still readable there, in case an event
// reaches the emitter without passing through the builder's redaction.
import pino from 'pino';
import { isMask } from '../redaction/mask.js';
import { rewriteCookieHeader, rewriteSetCookie, type CookieRewriter } from '../redaction/cookies.js';
import { flushDestination } from '../log/flush.js';
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

/** The headers of each section that the net checks, by their lower-case names. */
const NET_HEADERS: ReadonlyArray<readonly ['request' | 'response', readonly string[]]> = [
  ['request', ['authorization', 'proxy-authorization', 'cookie', 'x-api-key']],
  ['response', ['set-cookie']],
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
      logger[status](withHeaderNet(fields));
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

type EventFields = Omit<SecurityEvent, 'status'>;

/**
 * Returns the fields with every net header that is still readable masked.
 * The builder has masked them already, so this usually returns `fields`
 * itself. Otherwise it copies the objects on the path it changes, because
 * other sinks share the caller's event.
 */
function withHeaderNet(fields: EventFields): EventFields {
  const headers = fields.ctxproc?.headers;
  if (headers === undefined) {
    return fields;
  }

  let copy: NonNullable<SecurityEvent['ctxproc']['headers']> | null = null;
  for (const [section, names] of NET_HEADERS) {
    const values = headers[section];
    if (values === undefined) {
      continue;
    }
    for (const name of names) {
      const value = values[name];
      if (value === undefined) {
        continue;
      }
      const censored = censorHeader(value, name);
      if (sameValue(censored, value)) {
        continue;
      }
      copy ??= { ...headers };
      if (copy[section] === values) {
        copy[section] = Object.assign(Object.create(null) as typeof values, values);
      }
      copy[section]![name] = censored;
    }
  }
  return copy === null ? fields : { ...fields, ctxproc: { ...fields.ctxproc, headers: copy } };
}

function censorHeader(value: string | string[], name: string): string | string[] {
  return Array.isArray(value) ? value.map((item) => censorValue(name, item)) : censorValue(name, value);
}

function sameValue(censored: string | string[], value: string | string[]): boolean {
  if (!Array.isArray(censored) || !Array.isArray(value)) {
    return censored === value;
  }
  return censored.length === value.length && censored.every((item, index) => item === value[index]);
}

function censorValue(name: string, value: unknown): string {
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
