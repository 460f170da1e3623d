// The contract every value detector meets, so that the redactor can run any
// set of them over a string and mask what they find.
import type { DetectorName } from '../model/record.js';

/** A half-open range [start, end) of UTF-16 code units within a string. */
export interface Span {
  start: number;
  end: number;
}

export interface Detector {
  readonly name: DetectorName;
  /**
   * Finds the secrets in `text` and returns their spans in order, at most
   * `maxMatches` of them. Time is linear in the length of `text`.
   */
  find(text: string, maxMatches: number): Span[];
}

/**
 * Runs a global pattern whose first capture group is the secret (or, without
 * a group, the whole match) and keeps the spans that `accept` approves.
 * The pattern must have the `g` and `d` flags and never match an empty string.
 */
export function findPatternSpans(
  pattern: RegExp,
  text: string,
  maxMatches: number,
  accept: (secret: string) => boolean = () => true,
): Span[] {
  const spans: Span[] = [];
  pattern.lastIndex = 0;

  let match = pattern.exec(text);
  while (match !== null && spans.length < maxMatches) {
    const range = match.indices?.[1] ?? match.indices?.[0];
    if (range && accept(text.slice(range[0], range[1]))) {
      spans.push({ start: range[0], end: range[1] });
    }
    match = pattern.exec(text);
  }

  pattern.lastIndex = 0;
  return spans;
}
