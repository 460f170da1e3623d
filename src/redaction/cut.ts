// Cutting redacted text to a size limit without exposing part of a secret.
// A card number cut in the middle no longer passes the detector, so the cut
// also drops a trailing run of digits and separators, and a mask cut in the
// middle is dropped whole so that no half marker remains. A provider token
// cut in the middle no longer matches its format either, so a trailing token
// prefix and what follows it are dropped too. Excerpts of attack payloads
// also drop any trailing token fragment (trimTokenEdge).
import { findCutTokenTail } from './provider-token.js';

const MASK_PREFIX = '[REDACTED';

/** Marker appended to a value cut to the maximum length. */
export const CUT_MARKER = '[TRUNCATED]';

/** Cuts `text` to at most `maxChars` UTF-16 code units and cleans the cut edge. */
export function cutChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) {
    return text;
  }

  let end = maxChars;
  if (isHighSurrogate(text.charCodeAt(end - 1))) {
    end -= 1;
  }
  return trimCutEdge(text.slice(0, end));
}

/** Cuts `text` so that its UTF-8 encoding is at most `maxBytes` bytes, and cleans the cut edge. */
export function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) {
    return text;
  }

  // stream: true drops a multi-byte character split by the cut instead of writing U+FFFD.
  const kept = new TextDecoder('utf-8').decode(bytes.subarray(0, maxBytes), { stream: true });
  return trimCutEdge(kept);
}

/**
 * Drops a trailing token fragment (the characters of base64, base64url and
 * token68, RFC 7235 section 2.1: part of a JWT, an API key or a bearer
 * token), then cleans the edge as trimCutEdge does. For excerpts cut at an
 * arbitrary place in attack text, where the redactor cannot recognise a
 * token cut in half, and where losing the last partial word costs little.
 */
export function trimTokenEdge(text: string): string {
  let end = text.length;
  while (end > 0 && isTokenChar(text.charCodeAt(end - 1))) {
    end -= 1;
  }
  return trimCutEdge(text.slice(0, end));
}

/**
 * Drops a trailing partial mask, a trailing cut provider token, then a
 * trailing run of digits, spaces and dashes, and then a cut provider token
 * that the run hid (`ghp_abc 1234`). The cut token is dropped rather than
 * masked, so that the text stays within the size it was cut to.
 */
export function trimCutEdge(text: string): string {
  let end = text.length;

  const open = text.lastIndexOf('[');
  if (open !== -1 && text.indexOf(']', open) === -1 && MASK_PREFIX.startsWith(text.slice(open, open + MASK_PREFIX.length))) {
    end = open;
  }

  const trimmed = dropDigitRun(dropCutToken(text.slice(0, end)));
  return dropCutToken(trimmed);
}

function dropCutToken(text: string): string {
  const start = findCutTokenTail(text);
  return start === -1 ? text : text.slice(0, start);
}

/** Drops a trailing run of digits, spaces and dashes that contains a digit: part of a card number. */
function dropDigitRun(text: string): string {
  const end = text.length;
  let runStart = end;
  let sawDigit = false;
  while (runStart > 0) {
    const code = text.charCodeAt(runStart - 1);
    const digit = code >= 0x30 && code <= 0x39;
    if (!digit && code !== 0x20 && code !== 0x2d) {
      break;
    }
    sawDigit ||= digit;
    runStart -= 1;
  }

  return text.slice(0, sawDigit ? runStart : end);
}

/** Letters, digits and - . _ ~ + / =, the characters of token68 and of base64 and base64url. */
function isTokenChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)
    || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e || code === 0x2b || code === 0x2f || code === 0x3d;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
