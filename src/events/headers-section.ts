// The `ctxproc.headers.request` and `ctxproc.headers.response` parts of an
// event: the headers the log decision includes, and every header that redact
// rules name, so that an analyst can tell that a redacted header was present.
import type { HeaderList } from '../model/exchange.js';
import { redactHeader, type Direction } from '../redaction/http-redaction.js';
import type { Redactor } from '../redaction/redactor.js';
import type { HeaderValues } from './security-event.js';

/**
 * Returns the redacted headers to show, or undefined when there are none.
 * Pseudo-headers are left out because `http.*` carries them. A repeated
 * header becomes an array, in the order Envoy sent it.
 */
export function headerSection(
  redactor: Redactor,
  direction: Direction,
  headers: HeaderList,
  include: 'all' | string[],
): HeaderValues | undefined {
  const included = include === 'all' ? null : new Set(include.map((name) => name.toLowerCase()));
  const section: HeaderValues = Object.create(null);
  let count = 0;

  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower.startsWith(':')) {
      continue;
    }
    if (included !== null && !included.has(lower) && !redactor.isTarget('header', lower)) {
      continue;
    }

    const key = redactor.name(`http.${direction}.headers`, lower);
    appendValue(section, key, redactHeader(redactor, direction, lower, value));
    count += 1;
  }

  return count > 0 ? section : undefined;
}

function appendValue(section: HeaderValues, key: string, value: string): void {
  const existing = section[key];
  if (existing === undefined) {
    section[key] = value;
  } else if (Array.isArray(existing)) {
    existing.push(value);
  } else {
    section[key] = [existing, value];
  }
}
