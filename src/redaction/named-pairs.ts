// Finds the values of named pairs in free text. A secret that a redact rule
// covers by name is then masked in any string of the event, such as a body
// of any content type, a log field that copied the query, or a note.
// Three forms are recognised: `name=value`, as in query strings, form bodies
// and cookies; `Name: value` to the end of the line, as in header dumps, for
// header names only (in free text `sort=key:asc` is no credential); and
// `"name": value`, as in JSON. Two more carry a name and a value apart: a
// multipart/form-data part (`name="password"`, its part headers, a blank
// line, then the value) and an XML element (`<wsse:Password>value<`). Only
// pairs whose name refers to a redact target are masked; the caller decides
// that through `lookup`.
//
// NOTE: JSON escaped inside a JSON string (`{\"token\": \"x\"}`) and
// single-quoted keys (`'token': 'x'`) are not recognised as pairs; the
// detectors and known secrets still apply to them. Keys with escapes
// (`"pass\u0077ord"`) are decoded first and do count.
import type { Span } from './detector.js';
import { MAX_COMPARED_NAME_CHARS, type TargetMatch } from './target-names.js';

export interface NamedPairSpan extends Span {
  target: TargetMatch;
}

/** Returns the target that a pair name refers to, or null. */
export type TargetLookup = (name: string) => TargetMatch | null;

// A pair name in the `name=value` and `Name: value` forms: letters, digits
// and `_.%[]-`, at most MAX_COMPARED_NAME_CHARS of them, read backwards from
// the separator. Searching for the separator first keeps the scan linear and
// cheap on text without one, such as most header values; a regular
// expression that starts a name at every letter costs up to 128 steps per
// letter instead.
const NAME_CHARS = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.%[]-') {
  NAME_CHARS[char.charCodeAt(0)] = 1;
}
// A JSON key may spell its letters as escapes (`"pass\u0077ord"`). A
// backslash always starts a two-character unit, so the two branches never
// overlap and matching stays linear.
const JSON_KEY = new RegExp(`"((?:[^"\\\\\\n]|\\\\[^\\n]){1,${MAX_COMPARED_NAME_CHARS}})"[ \\t\\r\\n]*:[ \\t\\r\\n]*`, 'g');

// A part's Content-Disposition name, quoted or a plain token (RFC 2183
// allows both), the rest of that line, up to 16 more part headers, and the
// blank line before the value (RFC 7578, section 4.2).
// Every repetition is bounded and separated by line ends, so matching stays
// linear in the text.
const MULTIPART_NAME = new RegExp(`\\bname="?([^";\\r\\n]{1,${MAX_COMPARED_NAME_CHARS}})"?[^\\r\\n]{0,1024}\\r?\\n(?:[^\\r\\n]{1,1024}\\r?\\n){0,16}\\r?\\n`, 'g');

// An XML start tag, with an optional namespace prefix and attributes.
const XML_START_TAG = new RegExp(`<(?:[A-Za-z_][\\w.-]{0,63}:)?([A-Za-z_][\\w.-]{0,${MAX_COMPARED_NAME_CHARS - 1}})(?:[ \\t\\r\\n][^<>]{0,1024})?>`, 'g');

/** A value that a previous pass already replaced; masking it again would change its HMAC fingerprint. */
const MASK_PREFIX = '[REDACTED:';

export interface NamedPairs {
  /** Spans of the values, in no particular order. */
  spans: NamedPairSpan[];
  /** Position at which a form stopped being searched after `maxMatches` values, or Infinity when the whole text was searched. */
  unscannedFrom: number;
}

/** Finds the values of named pairs whose name `lookup` accepts, at most `maxMatches` of each form. */
export function findNamedPairs(text: string, lookup: TargetLookup, maxMatches: number): NamedPairs {
  const spans: NamedPairSpan[] = [];
  const headerLookup: TargetLookup = (name) => {
    const target = lookup(name);
    return target?.kind === 'header' ? target : null;
  };
  const equalsStop = collectSeparatedPairs('=', text, lookup, maxMatches, spans, equalsValueEnd);
  const colonStop = collectSeparatedPairs(':', text, headerLookup, maxMatches, spans, lineValueEnd);
  const jsonLookup: TargetLookup = (name) => lookup(name.includes('\\') ? unescapeJsonKey(name) : name);
  const jsonStop = collectPairs(JSON_KEY, text, jsonLookup, maxMatches, spans, jsonValueEnd);
  const multipartStop = collectPairs(MULTIPART_NAME, text, lookup, maxMatches, spans, lineValueEnd);
  const xmlStop = collectPairs(XML_START_TAG, text, lookup, maxMatches, spans, xmlValueEnd);
  return { spans, unscannedFrom: Math.min(equalsStop, colonStop, jsonStop, multipartStop, xmlStop) };
}

/** Returns a JSON key with its escapes decoded, or as written when they are malformed (a cut or invalid body). */
function unescapeJsonKey(key: string): string {
  try {
    return JSON.parse(`"${key}"`) as string;
  } catch {
    return key;
  }
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

/**
 * Collects `name=value` or `Name: value` pairs: finds each separator, reads
 * the name backwards over blanks and name characters, and skips blanks after
 * it. A name never reaches back into the previous match or value. Returns
 * what collectPairs returns.
 */
function collectSeparatedPairs(separator: string, text: string, lookup: TargetLookup, maxMatches: number, spans: NamedPairSpan[], valueEnd: ValueEnd): number {
  const limit = spans.length + maxMatches;
  let searchFrom = 0;

  let at = text.indexOf(separator, searchFrom);
  while (at !== -1 && spans.length < limit) {
    const name = nameBefore(text, at, searchFrom);
    const valueStart = skipBlanks(text, at + 1);
    searchFrom = name === null ? at + 1 : valueStart;
    const target = name === null ? null : lookup(name);
    if (target !== null && !text.startsWith(MASK_PREFIX, valueStart)) {
      const value = valueEnd(text, valueStart);
      if (value.end > value.start) {
        spans.push({ ...value, target });
        searchFrom = value.end;
      }
    }
    at = text.indexOf(separator, searchFrom);
  }

  return spans.length >= limit ? spans[spans.length - 1]!.end : Infinity;
}

/** Returns the pair name that ends before the blanks before `separatorAt`, or null when there is none after `floor`. */
function nameBefore(text: string, separatorAt: number, floor: number): string | null {
  let end = separatorAt;
  while (end > floor && isSpaceOrTab(text.charCodeAt(end - 1))) {
    end -= 1;
  }

  const lowest = Math.max(floor, end - MAX_COMPARED_NAME_CHARS);
  let start = end;
  while (start > lowest && isNameChar(text.charCodeAt(start - 1))) {
    start -= 1;
  }
  return start < end ? text.slice(start, end) : null;
}

function skipBlanks(text: string, from: number): number {
  let at = from;
  while (at < text.length && isSpaceOrTab(text.charCodeAt(at))) {
    at += 1;
  }
  return at;
}

function isNameChar(code: number): boolean {
  return code < 128 && NAME_CHARS[code] === 1;
}

function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Returns the span of a `name=value` value. An unquoted value ends at `&`,
 * `;`, a blank, a quote or an angle bracket. A quoted one ends at its quote
 * or at the end of the line.
 */
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

/** Returns the span of an element's text, which runs to the next tag, or of its CDATA section. */
function xmlValueEnd(text: string, start: number): Span {
  if (text.startsWith(CDATA_OPEN, start)) {
    const close = text.indexOf(']]>', start);
    return { start: start + CDATA_OPEN.length, end: close === -1 ? text.length : close };
  }
  const next = text.indexOf('<', start);
  return { start, end: next === -1 ? text.length : next };
}

const CDATA_OPEN = '<![CDATA[';

/** Returns the span of a dumped header value, which runs to the end of its line so that `Token abc` is masked whole. */
function lineValueEnd(text: string, start: number): Span {
  let end = start;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') {
    end += 1;
  }
  return { start, end };
}

/**
 * Returns the span of a JSON member's value. A string ends at its closing
 * quote, or at the end of a cut text. A number or literal ends at `,`, `}`,
 * `]` or a blank.
 */
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
  // true, false and null carry no secret ("auth": true).
  const literal = text.slice(start, end);
  return literal === 'true' || literal === 'false' || literal === 'null' ? { start, end: start } : { start, end };
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
