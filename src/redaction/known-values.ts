// The values that redact rules cover in one transaction (a header's value,
// a cookie's value, the token after "Bearer "), kept so that a copy of one
// elsewhere in the event is masked too. Kept only for one event.
import type { Span } from './detector.js';
import type { RedactionReason } from './mask.js';

/** A value that a redact rule covers, masked wherever else it appears in the event. */
export interface KnownValue {
  value: string;
  reason: RedactionReason;
  rule: string;
  /** Key of RedactionSpec.sources that covers the value, which selects its redaction mode. */
  source?: string;
}

/** The occurrences of one known value in a string. */
export interface KnownValueMatch {
  known: KnownValue;
  spans: Span[];
}

/**
 * Known values shorter than this are not searched for elsewhere: masking
 * every "1" or "en" in an event would hide more than it protects.
 */
export const MIN_KNOWN_SECRET_CHARS = 6;

/**
 * Known values kept per event, and their total length in UTF-16 code units.
 * Each scanned string is searched once per known value, so these caps bound
 * the cost of a request that repeats a redacted parameter thousands of times.
 */
export const MAX_KNOWN_SECRETS = 64;
export const MAX_KNOWN_SECRET_TOTAL_CHARS = 16 * 1024;

export class KnownValues {
  private readonly values = new Map<string, KnownValue>();

  private totalChars = 0;

  get size(): number {
    return this.values.size;
  }

  /** True when no further value would be kept. */
  get full(): boolean {
    return this.values.size >= MAX_KNOWN_SECRETS;
  }

  /**
   * Keeps `value` unless it is too short, already kept, or over a cap.
   *
   * NOTE: first seen wins, so callers register headers before query
   * parameters. A value that arrives after a cap is reached is still masked
   * where it sits by name, but a copy of it elsewhere is masked only if a
   * detector or a named pair catches it.
   */
  add(value: string, reason: RedactionReason, rule: string, source?: string): void {
    if (value.length < MIN_KNOWN_SECRET_CHARS || this.full || this.values.has(value)) {
      return;
    }
    if (this.totalChars + value.length > MAX_KNOWN_SECRET_TOTAL_CHARS) {
      return;
    }
    this.values.set(value, { value, reason, rule, source });
    this.totalChars += value.length;
  }

  /**
   * Finds the occurrences of every known value in `text`, at most
   * `maxMatches` each, and where the first value that reached that limit
   * stopped being searched (Infinity when none did).
   */
  find(text: string, maxMatches: number): { matches: KnownValueMatch[]; unscannedFrom: number } {
    const matches: KnownValueMatch[] = [];
    let unscannedFrom = Infinity;

    for (const known of this.values.values()) {
      let start = text.indexOf(known.value);
      if (start === -1) {
        continue;
      }

      const spans: Span[] = [];
      while (start !== -1 && spans.length < maxMatches) {
        spans.push({ start, end: start + known.value.length });
        start = text.indexOf(known.value, start + known.value.length);
      }
      if (start !== -1) {
        unscannedFrom = Math.min(unscannedFrom, start);
      }
      matches.push({ known, spans });
    }
    return { matches, unscannedFrom };
  }
}
