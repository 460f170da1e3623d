// The `ctxproc.body.request` and `ctxproc.body.response` parts of an event:
// the captured body as text, redacted before it is cut to the rule's byte
// limit, so that a secret crossing the limit is recognised whole.
import type { BodyCapture, HeaderList } from '../model/exchange.js';
import { cutUtf8, trimCutEdge } from '../redaction/cut.js';
import { redactFormText, type Direction } from '../redaction/http-redaction.js';
import { SCAN_MARGIN_CHARS, type Redactor } from '../redaction/redactor.js';
import type { BodyExcerpt } from './security-event.js';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** application/json and the +json types (RFC 6839), such as application/problem+json. */
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * One "key": "string value" pair of JSON text. Each alternative inside the
 * quotes consumes a different first character, so matching stays linear.
 */
const JSON_STRING_PAIR = /"((?:[^"\\]|\\.)*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;

/**
 * Returns the excerpt of a body cut to `maxBytes` of UTF-8, or undefined when
 * the body is absent or not requested. A body that is not valid UTF-8 (binary
 * or compressed) is left out: its bytes cannot be scanned for secrets.
 */
export function bodyExcerpt(
  redactor: Redactor,
  direction: Direction,
  capture: BodyCapture | null,
  headers: HeaderList,
  maxBytes: number,
): BodyExcerpt | undefined {
  if (!capture || maxBytes <= 0) {
    return undefined;
  }

  const incomplete = capture.truncated || !capture.complete;
  const text = decodeUtf8(capture.bytes, incomplete);
  if (text === null) {
    return { size: capture.size, truncated: capture.size > 0, encoding: 'binary' };
  }

  const field = `http.${direction}.body`;
  const windowChars = maxBytes + SCAN_MARGIN_CHARS;
  const type = contentType(headers);
  let redacted: string;
  if (type === FORM_TYPE) {
    redacted = redactFormText(redactor, field, text, windowChars);
  } else if (JSON_TYPE.test(type)) {
    redacted = redactor.scan(field, maskJsonPairs(redactor, field, text.slice(0, windowChars)), windowChars);
  } else {
    redacted = redactor.scan(field, text, windowChars);
  }
  let content = cutUtf8(redacted, maxBytes);

  const truncated = incomplete || text.length > windowChars || content.length < redacted.length;
  if (truncated && content === redacted) {
    content = trimCutEdge(content);
  }
  return { content, size: capture.size, truncated };
}

/** Decodes strict UTF-8; with `partial`, a character cut at the end is dropped instead of failing. */
function decodeUtf8(bytes: Buffer, partial: boolean): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
  } catch {
    return null;
  }
}

function contentType(headers: HeaderList): string {
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'content-type') {
      return value.split(';', 1)[0]!.trim().toLowerCase();
    }
  }
  return '';
}

/**
 * Masks the string value of every JSON member whose key names a redacted
 * query parameter, header or cookie (`"password": "..."`, `"token": "..."`),
 * in place, so that the excerpt keeps its layout and works on cut bodies.
 */
function maskJsonPairs(redactor: Redactor, field: string, text: string): string {
  return text.replace(JSON_STRING_PAIR, (pair: string, key: string, separator: string, value: string) => {
    const masked = redactor.maskTarget('query_param', key, `${field}.${key}`, value)
      ?? redactor.maskTarget('header', key, `${field}.${key}`, value)
      ?? redactor.maskTarget('cookie', key, `${field}.${key}`, value);
    return masked === null ? pair : `"${key}"${separator}"${masked}"`;
  });
}
