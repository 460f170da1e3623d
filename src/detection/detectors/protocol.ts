// Protocol anomalies: request framing that servers and proxies read
// differently (the basis of request smuggling), and header values that
// carry line breaks or NUL bytes. Envoy already rejects much of this before
// ext_proc; these checks catch what it forwards.
import type { BodyCapture, HeaderList, RequestFacts } from '../../model/exchange.js';
import { excerpt } from '../excerpt.js';
import type { Detection } from '../types.js';
import { bodyDecoding, readableBytes } from '../../model/readable-body.js';

const CONTROL_IN_VALUE = /[\x00\r\n]/;
const CHUNKED_ONLY = /^\s*chunked\s*$/i;
const NUMERIC = /^\d+$/;
const REQUEST_LINE = /(?:^|[\r\n])[ \t]*(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE|CONNECT)\s+\S+\s+HTTP\/\d(?:\.\d)?\s*(?:[\r\n]|$)/;
const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD']);
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'MERGE', 'CHECKOUT', 'MKACTIVITY', 'ACL', 'BIND', 'UNBIND', 'REBIND', 'LINK', 'UNLINK', 'MKCALENDAR', 'MKREDIRECTREF', 'ORDERPATCH', 'UPDATEREDIRECTREF', 'VERSION-CONTROL', 'BASELINE-CONTROL', 'LABEL', 'MKWORKSPACE', 'UPDATE', 'UNCHECKOUT', 'PRI']);

/** Returns one detection per protocol anomaly in `request`. */
export function detectProtocol(request: RequestFacts): Detection[] {
  const found: Detection[] = [];
  const add = (location: string, detector: string, matched: string): void => {
    found.push({ class: 'protocol', detector, location, matched: excerpt(matched) });
  };

  const lengths = values(request.headers, 'content-length');
  const encodings = values(request.headers, 'transfer-encoding');
  if (lengths.length > 0 && encodings.length > 0) {
    add('header.transfer-encoding', 'protocol.length_and_chunked', `content-length: ${lengths[0]}; transfer-encoding: ${encodings[0]}`);
  }
  if (lengths.length > 1 || lengths.some((value) => !NUMERIC.test(value.trim()))) {
    add('header.content-length', 'protocol.content_length', lengths.join(', '));
  }
  if (encodings.some((value) => !CHUNKED_ONLY.test(value))) {
    add('header.transfer-encoding', 'protocol.transfer_encoding', encodings.join(', '));
  }
  if (!KNOWN_METHODS.has(request.method)) {
    add('method', 'protocol.method', request.method);
  }
  if (METHODS_WITHOUT_BODY.has(request.method) && request.body !== null && request.body.size > 0) {
    add('body', 'protocol.body_on_get', `${request.method} with a ${request.body.size}-byte body`);
  }

  for (const [name, value] of request.headers) {
    if (CONTROL_IN_VALUE.test(value) || CONTROL_IN_VALUE.test(name)) {
      add(`header.${name}`, 'protocol.header_control_character', name);
    }
  }
  const body = request.body ? readableBytes(request.body).subarray(0, 4096).toString('latin1') : '';
  if (REQUEST_LINE.test(body) || REQUEST_LINE.test(decodeURIComponentSafe(request.query))) {
    add('body', 'protocol.embedded_request', 'a request line inside the request');
  }

  const uninspected = request.body ? uninspectedEncoding(request.body) : null;
  if (uninspected !== null) {
    add('body', 'protocol.body_not_decoded', uninspected);
  }
  return found;
}

/**
 * Describes an encoded body whose content the detectors could read only in
 * small part, or not at all. That is an unknown coding, a stream that
 * failed, a br window over the bound, or output that stopped before half
 * the body limit although input was left. An attacker can choose any of
 * these to keep a payload from the detectors, so the choice is reported.
 */
function uninspectedEncoding(capture: BodyCapture): string | null {
  const decoding = bodyDecoding(capture);
  if (decoding === undefined || decoding.result === 'decoded') {
    return null;
  }

  const codings = decoding.codings.join(', ');
  if (decoding.result === 'failed' || decoding.result === 'unsupported') {
    return `content-encoding ${codings} not decoded: ${decoding.reason ?? decoding.result}`;
  }
  const decoded = decoding.bytes?.length ?? 0;
  if (decoding.outputCut && decoded < decoding.limitBytes / 2) {
    return `content-encoding ${codings} decoded to only ${decoded} of up to ${decoding.limitBytes} bytes before the decoder stopped`;
  }
  return null;
}

function values(headers: HeaderList, name: string): string[] {
  return headers.filter(([headerName]) => headerName === name).map(([, value]) => value);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
