// Rewriting of query strings and form bodies (application/x-www-form-
// urlencoded, WHATWG URL §5) pair by pair. Names and values are decoded
// before they are checked, so `tok%65n=…` is found as `token` and a card
// number written `4111%201111…` is seen with its spaces.
import { unescape } from 'node:querystring';

export interface QueryPair {
  /** Decoded name and value; value is null for a pair without `=`. */
  name: string;
  value: string | null;
}

/** Returns the rewritten decoded name and value; the caller decides what to mask. */
export type PairRewriter = (pair: QueryPair) => QueryPair;

export interface RewrittenQuery {
  /** The query in its encoded form; pairs left unchanged keep their original bytes. */
  encoded: string;
  /** Decoded pairs after rewriting, in order. */
  pairs: QueryPair[];
  /** True when pairs beyond `maxChars` of input were dropped. */
  cut: boolean;
}

/**
 * Rewrites each `&`-separated pair of `query` (without the leading `?`).
 * Stops after `maxChars` characters of input, so a long query costs bounded work.
 */
export function rewriteQuery(query: string, rewrite: PairRewriter, maxChars: number): RewrittenQuery {
  const encodedPairs: string[] = [];
  const pairs: QueryPair[] = [];
  let position = 0;
  let cut = false;

  while (position < query.length) {
    if (position >= maxChars) {
      cut = true;
      break;
    }

    const next = query.indexOf('&', position);
    const end = next === -1 ? query.length : next;
    const raw = query.slice(position, end);
    position = end + 1;
    if (raw === '') {
      continue;
    }

    const { encoded, pair } = rewriteEncodedPair(raw, rewrite);
    encodedPairs.push(encoded);
    pairs.push(pair);
  }

  return { encoded: encodedPairs.join('&'), pairs, cut };
}

function rewriteEncodedPair(raw: string, rewrite: PairRewriter): { encoded: string; pair: QueryPair } {
  const equals = raw.indexOf('=');
  const rawName = equals === -1 ? raw : raw.slice(0, equals);
  const rawValue = equals === -1 ? null : raw.slice(equals + 1);

  const decoded: QueryPair = { name: decodeFormComponent(rawName), value: rawValue === null ? null : decodeFormComponent(rawValue) };
  const rewritten = rewrite(decoded);

  const name = rewritten.name === decoded.name ? rawName : encodeKeepingMasks(rewritten.name);
  if (rewritten.value === null) {
    return { encoded: name, pair: rewritten };
  }
  const value = rewritten.value === decoded.value ? rawValue : encodeKeepingMasks(rewritten.value);
  return { encoded: `${name}=${value}`, pair: rewritten };
}

/** Decodes `+` as a space and percent escapes leniently: a malformed escape stays as written. */
export function decodeFormComponent(text: string): string {
  return unescape(text.replaceAll('+', ' '));
}

/**
 * Percent-encodes `text` for a URL but leaves `[`, `]` and `:` as they are,
 * so masks such as `[REDACTED:card_number]` stay readable in `http.url`.
 */
export function encodeKeepingMasks(text: string): string {
  return encodeURIComponent(toWellFormed(text)).replace(/%5B|%5D|%3A/g, (escape) => decodeURIComponent(escape));
}

/** Replaces lone surrogates, which encodeURI and encodeURIComponent reject, with U+FFFD. */
export function toWellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
