// Finds the values of named pairs in free text, so that a secret that a
// redact rule covers by name is masked in any string of the event: a body of
// any content type, a log field that copied the query or the body, a note.
// Two forms are recognised: `name=value` (or `name: value`), as in query
// strings, form bodies, cookies and header dumps, and `"name": value`, as in
// JSON. Only pairs whose name refers to a redact target are masked; the
// caller decides that through `lookup`.
//
// NOTE: JSON escaped inside a JSON string (`{\"token\": \"x\"}`) and
// single-quoted keys (`'token': 'x'`) are not recognised as pairs; the
// detectors and known secrets still apply to them.
import type { Span } from './detector.js';
import { MAX_COMPARED_NAME_CHARS, type TargetMatch } from './target-names.js';

export interface NamedPairSpan extends Span {
  target: TargetMatch;
}

/** Returns the target that a pair name refers to, or null. */
export type TargetLookup = (name: string) => TargetMatch | null;

// Linear: the name class, the blanks and the separators are disjoint, and the
// name is at most 128 characters, so a failed start costs at most 128 steps.
const EQUALS_KEY = new RegExp(`([A-Za-z0-9_.%\\[\\]\\-]{1,${MAX_COMPARED_NAME_CHARS}})[ \\t]*[=:][ \\t]*`, 'g');
const JSON_KEY = new RegExp(`"([^"\\\\\\n]{1,${MAX_COMPARED_NAME_CHARS}})"[ \\t\\r\\n]*:[ \\t\\r\\n]*`, 'g');

/** A value that a previous pass already replaced; masking it again would change its HMAC fingerprint. */
const MASK_PREFIX = '[REDACTED:';

export interface NamedPairs {
  /** Spans of the values, in no particular order. */
  spans: NamedPairSpan[];
  /** Where a form stopped being searched after `maxMatches` values; Infinity when the whole text was searched. */
  unscannedFrom: number;
}

/** Finds the values of named pairs whose name `lookup` accepts, at most `maxMatches` of each form. */
export function findNamedPairs(text: string, lookup: TargetLookup, maxMatches: number): NamedPairs {
  const spans: NamedPairSpan[] = [];
  const equalsStop = collectPairs(EQUALS_KEY, text, lookup, maxMatches, spans, equalsValueEnd);
  const jsonStop = collectPairs(JSON_KEY, text, lookup, maxMatches, spans, jsonValueEnd);
  return { spans, unscannedFrom: Math.min(equalsStop, jsonStop) };
}

type ValueEnd = (text: string, start: number) => Span;

/** Returns the end of the last value when the limit was reached, else Infinity. */
function collectPairs(pattern: RegExp, text: string, lookup: TargetLookup, maxMatches: number, spans: NamedPairSpan[], valueEnd: ValueEnd): number {
  const limit = spans.length + maxMatches;
  pattern.lastIndex = 0;

  let match = pattern.exec(text);
  while (match !== null && spans.length < limit) {
    const target = lookup(match[1]!);
    const valueStart = match.index + match[0].length;
    if (target !== null && !text.startsWith(MASK_PREFIX, valueStart)) {
      const value = valueEnd(text, valueStart);
      if (value.end > value.start) {
        spans.push({ ...value, target });
        pattern.lastIndex = value.end;
      }
    }
    match = pattern.exec(text);
  }

  pattern.lastIndex = 0;
  return spans.length >= limit ? spans[spans.length - 1]!.end : Infinity;
}

/** An unquoted value ends at `&`, `;`, a blank, a quote or an angle bracket; a quoted one at its quote or the end of the line. */
function equalsValueEnd(text: string, start: number): Span {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    return { start: start + 1, end: endOfQuoted(text, start + 1, quote) };
  }

  let end = start;
  while (end < text.length && !isUnquotedTerminator(text.charCodeAt(end))) {
    end += 1;
  }
  return { start, end };
}

/** A JSON string value ends at its closing quote, or at the end of a cut text; a number or literal at `,`, `}`, `]` or a blank. */
function jsonValueEnd(text: string, start: number): Span {
  if (text[start] === '"') {
    let end = start + 1;
    while (end < text.length && text[end] !== '"') {
      end += text[end] === '\\' ? 2 : 1;
    }
    return { start: start + 1, end: Math.min(end, text.length) };
  }

  let end = start;
  while (end < text.length && !isJsonTerminator(text.charCodeAt(end))) {
    end += 1;
  }
  return { start, end };
}

function endOfQuoted(text: string, start: number, quote: string): number {
  let end = start;
  while (end < text.length && text[end] !== quote && text[end] !== '\n') {
    end += 1;
  }
  return end;
}

function isUnquotedTerminator(code: number): boolean {
  return code === 0x26 || code === 0x3b || code === 0x22 || code === 0x27 || code === 0x3c || code === 0x3e || isBlank(code);
}

function isJsonTerminator(code: number): boolean {
  return code === 0x2c || code === 0x7d || code === 0x5d || isBlank(code);
}

/** Space, tab, line feed, carriage return. */
function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
