// Cuts the text reported in Detection.matched.
import { trimTokenEdge } from '../redaction/cut.js';
import { MAX_MATCHED_CHARS } from './limits.js';

/**
 * Returns `text` from `start`, at most MAX_MATCHED_CHARS characters, with
 * control characters shown as spaces. Where the excerpt ends inside the
 * text, a token or card number cut in half at its edge is dropped,
 * because the redactor could not recognise the half. An excerpt that is
 * one token throughout therefore comes back empty.
 */
export function excerpt(text: string, start = 0, length = MAX_MATCHED_CHARS): string {
  const from = Math.max(0, start);
  const end = from + Math.min(length, MAX_MATCHED_CHARS);
  const slice = end < text.length ? trimTokenEdge(text.slice(from, end)) : text.slice(from, end);
  return slice.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, ' ');
}

/** Runs `pattern` on `text` and returns the excerpt at its match, or null. */
export function firstMatch(pattern: RegExp, text: string): string | null {
  const match = pattern.exec(text);
  return match === null ? null : excerpt(text, match.index, Math.max(match[0].length, 64));
}

/** Builds one case-insensitive alternation from a word list, matched as whole words. */
export function wordPattern(words: readonly string[], suffix = ''): RegExp {
  const escaped = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\w$])(?:${escaped.join('|')})${suffix}`, 'i');
}
