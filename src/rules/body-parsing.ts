// Parsed views of headers and bodies for CEL attributes: cookies, JSON and
// form fields. Each returns undefined when the input is absent or unusable,
// which CEL's has() reports as absent and a plain read as a no_such_key error.
import { bodyJson, bodyText } from '../model/body-text.js';
import type { BodyCapture } from '../model/exchange.js';
import { isWholeBody } from '../model/readable-body.js';

/**
 * Parses a Cookie header value ("a=1; b=2") into a map. The first value of
 * a repeated name wins, because RFC 6265 (section 5.4) lets the browser
 * order duplicates by path, so no later value is more authoritative.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) {
    return cookies;
  }

  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    const name = (equals < 0 ? pair : pair.slice(0, equals)).trim();
    if (name !== '' && !cookies.has(name)) {
      cookies.set(name, equals < 0 ? '' : pair.slice(equals + 1).trim());
    }
  }
  return cookies;
}

/** Returns the whole body text, or undefined while it is incomplete or when bytes past the limit (encoded or decoded) were dropped. */
function wholeBody(body: BodyCapture | null | undefined): string | undefined {
  if (body === null || body === undefined || !isWholeBody(body)) {
    return undefined;
  }
  return bodyText(body);
}

/** Parses a complete body as JSON whatever its content type, because attackers choose the content type. */
export function parseJsonBody(body: BodyCapture | null | undefined): unknown {
  if (body === null || body === undefined || !isWholeBody(body)) {
    return undefined;
  }
  return bodyJson(body);
}

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/** Parses a complete application/x-www-form-urlencoded body into fields, the first value of a repeated name winning. */
export function parseFormBody(body: BodyCapture | null | undefined, contentType: string | undefined): Map<string, string> | undefined {
  const text = wholeBody(body);
  if (text === undefined || contentType === undefined || !FORM_CONTENT_TYPE.test(contentType)) {
    return undefined;
  }

  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (!fields.has(name)) {
      fields.set(name, value);
    }
  }
  return fields;
}
