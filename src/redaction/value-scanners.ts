// The value scanners a redactor runs over each string: the built-in
// detectors a rule enabled and the rule's own named patterns, in one shape.
import type { Detector, Span } from './detector.js';
import { BASELINE_RULE } from './baseline-rule.js';
import type { RedactionReason } from './mask.js';
import { findUrlPasswords } from './url-password.js';

/** A built-in detector or a rule's named pattern, as the redactor runs it. */
export interface ValueScanner {
  reason: RedactionReason;
  /** Key of RedactionSpec.sources. */
  source: string;
  /** Rule recorded for every match, for a scanner that no rule can ask for or remove; absent, the rule comes from the sources. */
  rule?: string;
  find(text: string, maxMatches: number): Span[];
}

export function builtInScanner(detector: Detector): ValueScanner {
  return { reason: detector.name, source: `detector:${detector.name}`, find: (text, maxMatches) => detector.find(text, maxMatches) };
}

/**
 * Runs a rule's pattern; regex-safety.ts checked at load time that it cannot
 * backtrack catastrophically. A pattern such as \b can still match the empty
 * string at some positions, so empty matches are stepped over, not masked.
 */
export function patternScanner(name: string, regex: RegExp): ValueScanner {
  const find = (text: string, maxMatches: number): Span[] => {
    const spans: Span[] = [];
    regex.lastIndex = 0;

    let match = regex.exec(text);
    while (match !== null && spans.length < maxMatches) {
      if (match[0].length === 0) {
        regex.lastIndex += 1;
      } else {
        spans.push({ start: match.index, end: match.index + match[0].length });
      }
      match = regex.exec(text);
    }

    regex.lastIndex = 0;
    return spans;
  };
  return { reason: `pattern:${name}`, source: `pattern:${name}`, find };
}

/** The password of `scheme://user:password@host`, which every event masks (url-password.ts). */
export const URL_PASSWORD_SCANNER: ValueScanner = { reason: 'userinfo', source: 'userinfo', rule: BASELINE_RULE, find: findUrlPasswords };
