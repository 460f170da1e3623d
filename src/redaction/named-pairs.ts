// Finds the values of named pairs in free text. A secret that a redact rule
// covers by name is then masked in any string of the event, such as a body
// of any content type, a log field that copied the query, or a note.
// Three forms are recognised. `name=value` is found as in query strings,
// form bodies and cookies, and `"name": value` as in JSON. `Name: value`, as
// in header dumps, log lines and YAML, counts for header names and for names
// that are credentials by the word rule of target-names.ts, because free
// text such as `Note: password must be 8 chars` or `sort=key:asc` has other
// colons. Its value runs to the end of its line, or of the string or markup
// it is in. An empty value or a YAML block scalar indicator (`|`, `>-`) takes the more
// indented lines below it, which contain a nested map, a list or the
// scalar's text. Two more carry a name and a value apart: a
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
import { isCredentialName, MAX_COMPARED_NAME_CHARS, type TargetMatch } from './target-names.js';

export interface NamedPairSpan extends Span {
  target: TargetMatch;
}

/** Returns the target that a pair name refers to, or null. */
export type TargetLookup = (name: string) => TargetMatch | null;

// A pair name in the `name=value` and `Name: value` forms: letters, digits
// and `_.%[]-`, at most MAX_COMPARED_NAME_CHARS of them, read backwards from
// the separator. The scan searches for the separator first, so it stays
// linear and costs little on text without one, such as most header values.
// A regular expression that starts a name at every letter costs up to 128
// steps per letter.
const NAME_CHARS = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.%[]-') {
  NAME_CHARS[char.charCodeAt(0)] = 1;
}
// A JSON key may spell its letters as escapes (`"pass\u0077ord"`). A
// backslash always starts a two-character unit, so the two branches never
// overlap and matching stays linear.
const JSON_KEY = new RegExp(`"((?:[^"\\\\\\n]|\\\\[^\\n]){1,${MAX_COMPARED_NAME_CHARS}})"[ \\t\\r\\n]*:[ \\t\\r\\n]*`, 'g');
// A JSON key inside a JSON string, its quotes escaped: `{\"token\": \"x\"}`,
// as webhook payloads and structured log lines carry. The name stops at a
// backslash or a quote, so matching stays linear.
const ESCAPED_JSON_KEY = new RegExp(`\\\\"([^"\\\\\\n]{1,${MAX_COMPARED_NAME_CHARS}})\\\\"[ \\t]*:[ \\t]*`, 'g');

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
  const colonLookup: TargetLookup = (name) => {
    const target = lookup(name);
    return target !== null && (target.kind === 'header' || isCredentialName(name)) ? target : null;
  };
  const equalsStop = collectSeparatedPairs('=', text, lookup, maxMatches, spans, equalsValueEnd);
  const encodedStop = hasEncodedEquals(text) ? collectEncodedPairs(text, lookup, maxMatches, spans) : Infinity;
  const colonStop = collectSeparatedPairs(':', text, colonLookup, maxMatches, spans, colonValueEnd);
  const jsonLookup: TargetLookup = (name) => lookup(name.includes('\\') ? unescapeJsonKey(name) : name);
  const jsonStop = collectPairs(JSON_KEY, text, jsonLookup, maxMatches, spans, jsonValueEnd);
  const escapedJsonStop = text.includes('\\"') ? collectPairs(ESCAPED_JSON_KEY, text, lookup, maxMatches, spans, escapedJsonValueEnd) : Infinity;
  const multipartStop = collectPairs(MULTIPART_NAME, text, lookup, maxMatches, spans, lineValueEnd);
  const xmlStop = collectPairs(XML_START_TAG, text, lookup, maxMatches, spans, xmlValueEnd);
  return { spans, unscannedFrom: Math.min(equalsStop, encodedStop, colonStop, jsonStop, escapedJsonStop, multipartStop, xmlStop) };
}

/** Returns a JSON key with its escapes decoded, or as written when they are malformed (a cut or invalid body). */
function unescapeJsonKey(key: string): string {
  try {
    return JSON.parse(`"${key}"`) as string;
  } catch {
    return key;
  }
}

/** Returns the span of the value that starts at `start`, for the pair's target. */
type ValueEnd = (text: string, start: number, target: TargetMatch) => Span;

/** Returns the end of the last value when the limit was reached, else Infinity. */
function collectPairs(pattern: RegExp, text: string, lookup: TargetLookup, maxMatches: number, spans: NamedPairSpan[], valueEnd: ValueEnd): number {
  const limit = spans.length + maxMatches;
  pattern.lastIndex = 0;

  let match = pattern.exec(text);
  while (match !== null && spans.length < limit) {
    const target = lookup(match[1]!);
    const valueStart = match.index + match[0].length;
    if (target !== null && !text.startsWith(MASK_PREFIX, valueStart)) {
      const value = valueEnd(text, valueStart, target);
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
      const value = valueEnd(text, valueStart, target);
      if (value.end > value.start) {
        spans.push({ ...value, target });
        searchFrom = value.end;
      }
    }
    at = text.indexOf(separator, searchFrom);
  }

  return spans.length >= limit ? spans[spans.length - 1]!.end : Infinity;
}

function hasEncodedEquals(text: string): boolean {
  return text.includes('%3D') || text.includes('%3d');
}

/**
 * Collects `name%3Dvalue` pairs: a query string percent-encoded inside a
 * parameter value, as in `redirect=%2Fcb%3Ftoken%3Dx`, which a log field
 * that copied the query shows as received. The name stops at an escape of a
 * character that cannot be part of it (`%3F`, `%26`, `%2F`), and the value
 * ends at an escaped `&`, `;`, `#` or blank, or where an unquoted value
 * ends. Returns what collectPairs returns.
 */
function collectEncodedPairs(text: string, lookup: TargetLookup, maxMatches: number, spans: NamedPairSpan[]): number {
  const limit = spans.length + maxMatches;
  let searchFrom = 0;

  let at = nextEncodedEquals(text, searchFrom);
  while (at !== -1 && spans.length < limit) {
    const name = encodedNameBefore(text, at, searchFrom);
    const valueStart = at + 3;
    searchFrom = valueStart;
    const target = name === null ? null : lookup(name);
    if (target !== null && !text.startsWith(MASK_PREFIX, valueStart)) {
      const end = encodedValueEnd(text, valueStart);
      if (end > valueStart) {
        spans.push({ start: valueStart, end, target });
        searchFrom = end;
      }
    }
    at = nextEncodedEquals(text, searchFrom);
  }

  return spans.length >= limit ? spans[spans.length - 1]!.end : Infinity;
}

function nextEncodedEquals(text: string, from: number): number {
  const upper = text.indexOf('%3D', from);
  const lower = text.indexOf('%3d', from);
  if (upper === -1 || lower === -1) {
    return Math.max(upper, lower);
  }
  return Math.min(upper, lower);
}

/** Returns the name before an encoded `=`: name characters and escapes of name characters, at most MAX_COMPARED_NAME_CHARS. */
function encodedNameBefore(text: string, separatorAt: number, floor: number): string | null {
  const lowest = Math.max(floor, separatorAt - MAX_COMPARED_NAME_CHARS);
  let start = separatorAt;
  while (start > lowest) {
    const escaped = escapedCodeBefore(text, start);
    if (escaped !== -1) {
      if (!isNameChar(escaped) || escaped === PERCENT || start - 3 < lowest) {
        break;
      }
      start -= 3;
    } else if (isNameChar(text.charCodeAt(start - 1)) && text.charCodeAt(start - 1) !== PERCENT) {
      start -= 1;
    } else {
      break;
    }
  }
  return start < separatorAt ? text.slice(start, separatorAt) : null;
}

/** Returns the character code of the `%XX` escape that ends at `end`, or -1 when none ends there. */
function escapedCodeBefore(text: string, end: number): number {
  if (end < 3 || text.charCodeAt(end - 3) !== PERCENT) {
    return -1;
  }
  const hex = text.slice(end - 2, end);
  return HEX_PAIR.test(hex) ? Number.parseInt(hex, 16) : -1;
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

const PERCENT = 0x25;

/** Escaped characters that end an encoded value: `&`, `;`, `#` and a blank. */
const ENCODED_TERMINATORS = /%(?:26|3[Bb]|23|20)/g;

function encodedValueEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && !isUnquotedTerminator(text.charCodeAt(end))) {
    end += 1;
  }
  ENCODED_TERMINATORS.lastIndex = start;
  const escaped = ENCODED_TERMINATORS.exec(text);
  return escaped !== null && escaped.index < end ? escaped.index : end;
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
  start = afterEscape(text, start, end);
  return start < end ? text.slice(start, end) : null;
}

/**
 * Returns the start of the name after the letters of a string escape that
 * the name run began with. In a JSON-encoded line, `line1\npassword=x` has
 * `\n` before the name, and read as part of it, `n` would hide the name.
 */
function afterEscape(text: string, start: number, end: number): number {
  if (start === 0 || text.charCodeAt(start - 1) !== BACKSLASH) {
    return start;
  }
  const unicodeEscape = text.charCodeAt(start) === 0x75 && end - start > 4 && /^[0-9A-Fa-f]{4}$/.test(text.slice(start + 1, start + 5));
  return start + (unicodeEscape ? 5 : 1);
}

const BACKSLASH = 0x5c;

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
  if (quote === '{' || quote === '[') {
    return { start, end: endOfJsonContainer(text, start) };
  }
  // A quoted value inside a JSON string: `password=\"x\"`.
  const escapedQuote = text[start + 1];
  if (quote === '\\' && (escapedQuote === '"' || escapedQuote === "'")) {
    return { start: start + 2, end: endOfEscapedQuoted(text, start + 2, escapedQuote) };
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

/**
 * Returns the span of a `Name: value` value, which runs to the end of its
 * line, so that `Token abc` is masked whole and so is a value with blanks.
 * It ends earlier where the string the pair sits in ends, or at a closing
 * tag (see endOfInlineValue). An empty value, or a YAML block scalar
 * indicator, takes the block below it.
 */
function colonValueEnd(text: string, start: number, target: TargetMatch): Span {
  const lineEnd = endOfLine(text, start);
  if (lineEnd === start || (lineEnd - start <= MAX_BLOCK_INDICATOR_CHARS && BLOCK_INDICATOR.test(text.slice(start, lineEnd)))) {
    return blockAfter(text, start, lineEnd);
  }

  // A header dump's value keeps its tags, because all of it is the header's value.
  const inMarkup = target.kind !== 'header';
  const valueStart = inMarkup ? afterLeadingTags(text, start, lineEnd) : start;
  const enclosing = enclosingQuote(text, lineStartOf(text, start), start);
  return { start: valueStart, end: endOfInlineValue(text, valueStart, lineEnd, inMarkup, enclosing) };
}

/**
 * Returns where a value ends within its line. Inside a string (`enclosing`,
 * the quote that opened it), the value ends where the string does, as in
 * `{"error":"invalid token: abc","code":401}` or `Error("Invalid password:
 * too short")`. Outside one, a quoted value ends with a closing quote that a
 * blank, the line end or one of `,}])>;+/` follows, and another value runs to
 * the line end. With `inMarkup`, a closing tag (`</`) ends it too, as in
 * `<td>hunter2</td>`.
 * NOTE: a password that contains the enclosing quote, or `</`, is masked
 * up to it only.
 */
function endOfInlineValue(text: string, start: number, lineEnd: number, inMarkup: boolean, enclosing: number | null): number {
  const first = text.charCodeAt(start);
  if (enclosing === null && QUOTES.has(first)) {
    return endOfQuotedValue(text, start, lineEnd);
  }

  for (let at = start; at < lineEnd; at += 1) {
    const code = text.charCodeAt(at);
    if (code === enclosing && !isEscaped(text, at)) {
      return at;
    }
    if (inMarkup && code === LESS_THAN && text.charCodeAt(at + 1) === SLASH) {
      return at;
    }
  }
  return lineEnd;
}

/** Returns the end of a value quoted at `start`: after its closing quote when a blank, the line end or one of `,}])>;+/` follows, else the line end. */
function endOfQuotedValue(text: string, start: number, lineEnd: number): number {
  const quote = text.charCodeAt(start);
  for (let at = start + 1; at < lineEnd; at += 1) {
    if (text.charCodeAt(at) === quote && !isEscaped(text, at) && (at + 1 === lineEnd || AFTER_CLOSING_QUOTE.has(text.charCodeAt(at + 1)))) {
      return at + 1;
    }
  }
  return lineEnd;
}

/**
 * Returns the quote that opened a string still open at `end` on the line
 * from `lineStart`, or null. When strings of several quote kinds are open,
 * the one opened last wins. A quote that a backslash escapes does not count.
 */
function enclosingQuote(text: string, lineStart: number, end: number): number | null {
  const openedAt = new Map<number, number>();
  for (let at = lineStart; at < end; at += 1) {
    const code = text.charCodeAt(at);
    if (!QUOTES.has(code) || isEscaped(text, at)) {
      continue;
    }
    if (openedAt.has(code)) {
      openedAt.delete(code);
    } else {
      openedAt.set(code, at);
    }
  }

  let open: number | null = null;
  let latest = -1;
  for (const [quote, at] of openedAt) {
    if (at > latest) {
      open = quote;
      latest = at;
    }
  }
  return open;
}

/** Skips the tags at the start of a value, as in `Password: </th><td>hunter2`, and the blanks after each. */
function afterLeadingTags(text: string, start: number, lineEnd: number): number {
  let at = start;
  while (at < lineEnd && text.charCodeAt(at) === LESS_THAN && TAG_START.test(text[at + 1] ?? '')) {
    const close = text.indexOf('>', at);
    if (close === -1 || close >= lineEnd) {
      break;
    }
    at = close + 1;
    while (at < lineEnd && (text.charCodeAt(at) === 0x20 || text.charCodeAt(at) === 0x09)) {
      at += 1;
    }
  }
  return at;
}

/** True when an odd number of backslashes precedes `at`. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (at - backslashes - 1 >= 0 && text.charCodeAt(at - backslashes - 1) === BACKSLASH) {
    backslashes += 1;
  }
  return backslashes % 2 === 1;
}

function lineStartOf(text: string, at: number): number {
  let start = at;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') {
    start -= 1;
  }
  return start;
}

const QUOTES: ReadonlySet<number> = new Set([0x22, 0x27, 0x60]);

const AFTER_CLOSING_QUOTE: ReadonlySet<number> = new Set([...',}])>;+/ \t'].map((character) => character.charCodeAt(0)));

const LESS_THAN = 0x3c;

const SLASH = 0x2f;

const TAG_START = /[A-Za-z/!]/;

/** `|` or `>` with optional chomping and indentation indicators and a comment (YAML 1.2.2, section 8.1.1, "Block Scalar Headers"). */
const BLOCK_INDICATOR = /^[|>][1-9+-]{0,2}[ \t]*(?:#.*)?$/;
const MAX_BLOCK_INDICATOR_CHARS = 256;

/**
 * Returns the span of the YAML block under the line that holds `start`. The
 * block ends with the last following line that is indented more than that
 * line. A list item (`- x`) indented as much counts too, unless the key is
 * an item itself. Blank lines inside the block belong to it. A key without
 * a value keeps its line end and the first child's indentation, so the mask
 * reads as the block it hides. Without children nothing is masked.
 */
function blockAfter(text: string, start: number, lineEnd: number): Span {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const keyIndent = indentAt(text, lineStart);
  const keyIsItem = text[lineStart + keyIndent] === '-';
  let spanStart = lineEnd === start ? -1 : start;
  let end = lineEnd;

  let position = lineEnd;
  while (position < text.length) {
    const nextStart = position + (text[position] === '\r' && text[position + 1] === '\n' ? 2 : 1);
    const nextEnd = endOfLine(text, nextStart);
    const indent = indentAt(text, nextStart);
    if (nextStart + indent < nextEnd) {
      const childOf = indent > keyIndent || (indent === keyIndent && !keyIsItem && isListItem(text, nextStart + indent, nextEnd));
      if (!childOf) {
        break;
      }
      spanStart = spanStart === -1 ? nextStart + indent : spanStart;
      end = nextEnd;
    }
    position = nextEnd;
  }
  return spanStart === -1 ? { start, end: start } : { start: spanStart, end };
}

/** Spaces at the start of the line at `lineStart`; YAML forbids tabs in indentation. */
function indentAt(text: string, lineStart: number): number {
  let at = lineStart;
  while (text.charCodeAt(at) === 0x20) {
    at += 1;
  }
  return at - lineStart;
}

function isListItem(text: string, at: number, lineEnd: number): boolean {
  return text[at] === '-' && (at + 1 === lineEnd || text[at + 1] === ' ');
}

function endOfLine(text: string, start: number): number {
  let end = start;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') {
    end += 1;
  }
  return end;
}

/** Returns the span of a multipart part's value, which runs to the end of its line. */
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
  if (text[start] === '{' || text[start] === '[') {
    return { start, end: endOfJsonContainer(text, start) };
  }
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

/** Returns the span of a member's value inside a JSON string: from an escaped quote to the next, else as jsonValueEnd reads it. */
function escapedJsonValueEnd(text: string, start: number): Span {
  if (text[start] === '\\' && text[start + 1] === '"') {
    return { start: start + 2, end: endOfEscapedQuoted(text, start + 2, '"') };
  }
  return jsonValueEnd(text, start);
}

/**
 * Returns the end of the object or array that starts at `start`: after its
 * closing bracket, or the end of a cut text. Brackets inside strings do not
 * count, so `{"old": "a}b"}` is masked whole.
 */
function endOfJsonContainer(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let at = start; at < text.length; at += 1) {
    const char = text[at];
    if (inString) {
      if (char === '\\') {
        at += 1;
      } else if (char === '"') {
        inString = false;
      }
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
    } else if ((char === '}' || char === ']') && --depth === 0) {
      return at + 1;
    }
  }
  return text.length;
}

/** Returns where a value quoted with escaped quotes ends: at its escaped closing quote or the end of the line. */
function endOfEscapedQuoted(text: string, start: number, quote: string): number {
  let end = start;
  while (end < text.length && text[end] !== '\n' && !(text[end] === '\\' && text[end + 1] === quote)) {
    end += 1;
  }
  return end;
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
