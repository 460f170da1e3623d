// Finds a secret inside an excerpt that could not be located in the value it
// came from, because a detector decoded it. The excerpt may hold the secret
// whole, or start with its end or stop after its start, where the
// detector's window cut it.
import type { Span } from './detector.js';

/**
 * Returns the spans of `secret` in `excerpt`: each whole occurrence, the
 * longest end of it that the excerpt starts with, and the longest start of
 * it that the excerpt ends with. Pieces shorter than `minChars` are not
 * searched for, since a short piece matches ordinary text.
 */
export function secretSpansInExcerpt(secret: string, excerpt: string, minChars: number): Span[] {
  if (secret.length < minChars || excerpt.length < minChars) {
    return [];
  }

  const spans: Span[] = [];
  let at = excerpt.indexOf(secret);
  while (at !== -1) {
    spans.push({ start: at, end: at + secret.length });
    at = excerpt.indexOf(secret, at + secret.length);
  }

  const head = longestEndAtStart(secret, excerpt, minChars);
  if (head > 0) {
    spans.push({ start: 0, end: head });
  }
  const tail = longestStartAtEnd(secret, excerpt, minChars);
  if (tail > 0) {
    spans.push({ start: excerpt.length - tail, end: excerpt.length });
  }
  return spans;
}

/** Returns the length of the longest end of `secret` that `excerpt` starts with, or 0. */
function longestEndAtStart(secret: string, excerpt: string, minChars: number): number {
  const probe = excerpt.slice(0, minChars);
  let from = secret.indexOf(probe, Math.max(1, secret.length - excerpt.length));
  while (from !== -1) {
    if (excerpt.startsWith(secret.slice(from))) {
      return secret.length - from;
    }
    from = secret.indexOf(probe, from + 1);
  }
  return 0;
}

/** Returns the length of the longest start of `secret` that `excerpt` ends with, or 0. */
function longestStartAtEnd(secret: string, excerpt: string, minChars: number): number {
  const probe = secret.slice(0, minChars);
  let from = excerpt.indexOf(probe, Math.max(0, excerpt.length - secret.length + 1));
  while (from !== -1) {
    if (secret.startsWith(excerpt.slice(from))) {
      return excerpt.length - from;
    }
    from = excerpt.indexOf(probe, from + 1);
  }
  return 0;
}
