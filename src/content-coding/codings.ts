// Reads the content-encoding header of a request or response. RFC 9110
// section 8.4 lists the codings in the order they were applied, so the body
// is decoded from the last one back to the first. Codings are
// case-insensitive, and "identity" means no coding at all.
import type { ContentEncoding, HeaderList } from '../model/exchange.js';

/** A coding ctxproc decodes, under its RFC 9110 name ("x-gzip" is read as gzip). */
export type KnownCoding = 'gzip' | 'deflate' | 'br';

const KNOWN: ReadonlyMap<string, KnownCoding> = new Map([
  ['gzip', 'gzip'],
  ['x-gzip', 'gzip'],
  ['deflate', 'deflate'],
  ['br', 'br'],
]);

/**
 * Max codings decoded on one body. Each layer may cost a bounded decode of
 * up to the body limit, so the layers bound the CPU of one body. Clients and
 * servers apply one coding in practice.
 */
export const MAX_CODINGS = 3;

/** Max characters of an unknown coding name quoted in notes; the name comes from the client. */
const MAX_NAME_CHARS = 40;

/**
 * Returns the codings named by every content-encoding header, in the order
 * they were applied and without "identity", or null when there are none.
 */
export function contentCodings(headers: HeaderList): string[] | null {
  let codings: string[] | null = null;
  for (const [name, value] of headers) {
    if (name.length !== 16 || name.toLowerCase() !== 'content-encoding') {
      continue;
    }
    for (const item of value.split(',')) {
      const coding = item.trim().toLowerCase();
      if (coding !== '' && coding !== 'identity') {
        codings ??= [];
        codings.push(coding);
      }
    }
  }
  return codings;
}

/** Returns the content encoding of a body under these headers, decoded into at most `maxDecodedBytes`, or undefined when it has none. */
export function contentEncoding(headers: HeaderList, maxDecodedBytes: number): ContentEncoding | undefined {
  const codings = contentCodings(headers);
  return codings === null ? undefined : { codings, maxDecodedBytes };
}

/** Returns the RFC 9110 name of a coding that ctxproc decodes, or undefined. */
export function knownCoding(coding: string): KnownCoding | undefined {
  return KNOWN.get(coding);
}

/** Returns a coding name short enough to quote in a note or log line. */
export function quotedCoding(coding: string): string {
  return coding.length <= MAX_NAME_CHARS ? coding : `${coding.slice(0, MAX_NAME_CHARS)}…`;
}
