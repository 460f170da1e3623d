// The `ctxproc.body.request` and `ctxproc.body.response` parts of an event:
// the captured body, decoded from its content codings, as text, redacted before it is cut to the rule's byte
// limit, so that a secret crossing the limit is recognised whole. The
// redactor masks `name=value` and `"name": value` pairs of redacted names in
// a body of any content type; form bodies are also decoded pair by pair.
import type { BodyCapture, HeaderList } from '../model/exchange.js';
import { cutUtf8, trimCutEdge, trimTokenEdge } from '../redaction/cut.js';
import { redactFormText, type Direction } from '../redaction/http-redaction.js';
import { redactJsonPaths } from '../redaction/json-paths.js';
import { SCAN_MARGIN_CHARS, type Redactor } from '../redaction/redactor.js';
import type { BodyExcerpt } from './security-event.js';
import { isWholeBody, readableBytes } from '../model/readable-body.js';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Returns the excerpt of a body cut to `maxBytes` of UTF-8, or undefined when
 * the body is absent or not requested. A body that is not valid UTF-8 (binary,
 * or in a content coding that could not be decoded) is left out: its bytes
 * cannot be scanned for secrets.
 */
export function bodyExcerpt(
  redactor: Redactor,
  direction: Direction,
  capture: BodyCapture | null,
  headers: HeaderList,
  maxBytes: number,
): BodyExcerpt | undefined {
  if (!capture || maxBytes <= 0 || (capture.size === 0 && capture.complete)) {
    return undefined;
  }

  const incomplete = !isWholeBody(capture);
  const text = decodeUtf8(readableBytes(capture), incomplete);
  if (text === null) {
    return { size: capture.size, truncated: capture.size > 0, encoding: 'binary' };
  }

  const field = `http.${direction}.body`;
  const windowChars = maxBytes + SCAN_MARGIN_CHARS;
  const type = contentType(headers);
  const scanned = type === FORM_TYPE ? redactFormText(redactor, field, text, windowChars) : redactor.scan(field, jsonPathsRedacted(redactor, field, text, type, incomplete), windowChars);
  // The scan window can end inside a token longer than the margin, such as
  // a JWT with large claims, which the detectors then never saw whole.
  const windowCut = text.length > windowChars;
  const redacted = windowCut ? trimTokenEdge(scanned) : scanned;
  let content = cutUtf8(redacted, maxBytes);

  const truncated = incomplete || windowCut || content.length < redacted.length;
  // A body cut by the capture limit can end inside a token that the
  // redactor could not recognise whole, such as the header and claims of a
  // JWT, so its last token-like word goes.
  if (truncated && content === redacted) {
    content = incomplete ? trimTokenEdge(content) : trimCutEdge(content);
  }
  return { content, size: capture.size, truncated };
}

/**
 * Applies the JSON-path targets to a whole JSON body. A cut body does not
 * parse, so it keeps only the name-based and detector redaction of scan.
 */
function jsonPathsRedacted(redactor: Redactor, field: string, text: string, type: string, incomplete: boolean): string {
  if (redactor.jsonPaths.size === 0 || incomplete || !isJsonType(type)) {
    return text;
  }
  return redactJsonPaths(redactor, field, text, redactor.jsonPaths) ?? text;
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
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
