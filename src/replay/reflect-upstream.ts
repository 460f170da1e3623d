// The built-in upstream for replays that have no recorded response (go-ftw
// stages). It plays the CRS test backend (albedo). POST /reflect responds with
// the status, headers and body that the JSON request body describes, so that
// CRS response tests can put a payload in the response. Any other request is
// echoed back. It is a plain function: no socket, no name lookup.
import type { HttpRequestSpec, HttpResponseSpec } from '../client/types.js';
import { forwardedHeaders, removeHeader, toByteString } from './forwarded-headers.js';

/** Echoed request bodies are cut at this many bytes. */
export const ECHO_BODY_LIMIT = 16 * 1024;

// Credentials are not copied into echo bodies, because those bodies can end
// up in security events and logs.
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token']);

// Go's http.DetectContentType, which albedo relies on when the spec sets no
// Content-Type: these HTML tags (case-insensitive, after leading whitespace,
// followed by a space or '>') mean text/html.
const HTML_TAGS = ['!DOCTYPE HTML', 'HTML', 'HEAD', 'SCRIPT', 'IFRAME', 'H1', 'DIV', 'FONT', 'TABLE', 'A', 'STYLE', 'TITLE', 'B', 'BODY', 'BR', 'P'];
const HTML_PREFIX = new RegExp(`^[\\t\\n\\f\\r ]*(?:<!--|<(?:${HTML_TAGS.join('|')})[ >])`, 'i');
const BINARY_BYTES = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/;

/** Responds to one request as the CRS reflecting backend does; see the file header. */
export function reflectUpstream(request: HttpRequestSpec): HttpResponseSpec {
  const pathOnly = request.path.split('?')[0] ?? '';
  if (pathOnly === '/reflect' || pathOnly.startsWith('/reflect/')) {
    return reflect(request.body ?? Buffer.alloc(0));
  }
  return echo(request);
}

function reflect(body: Buffer): HttpResponseSpec {
  let spec: unknown;
  try {
    spec = JSON.parse(body.toString('utf8'));
  } catch {
    return plain(400, 'Invalid JSON in request body');
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return plain(400, 'Invalid JSON in request body: expected an object with status, headers and body');
  }

  const fields = spec as Record<string, unknown>;
  const status = fields.status === undefined || fields.status === null ? 0 : Number(fields.status);
  if (!Number.isInteger(status) || (status !== 0 && (status < 100 || status > 599))) {
    return plain(400, `Invalid status code: ${String(fields.status)}`);
  }

  // The upstream frames the body itself, so a spec's Content-Length and
  // hop-by-hop headers are dropped.
  const headers = forwardedHeaders(reflectedHeaders(fields.headers)).headers;
  removeHeader(headers, 'content-length');
  const responseBody = reflectedBody(fields);
  if (!headers.some(([name]) => name === 'content-type') && responseBody.length > 0) {
    headers.push(['content-type', sniffContentType(responseBody)]);
  }
  return withBody(status === 0 ? 200 : status, headers, responseBody);
}

// albedo takes `headers` as a map of strings; lists, numbers and an array of
// [name, value] pairs are accepted too.
function reflectedHeaders(value: unknown): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  let entries: unknown[] = [];
  if (Array.isArray(value)) {
    entries = value;
  } else if (value !== null && typeof value === 'object') {
    entries = Object.entries(value);
  }
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length < 2) {
      continue;
    }
    const name = String(entry[0]).toLowerCase();
    const values: unknown[] = Array.isArray(entry[1]) ? entry[1] : [entry[1]];
    for (const headerValue of values) {
      headers.push([toByteString(name), toByteString(String(headerValue ?? ''))]);
    }
  }
  return headers;
}

// albedo: `body` is plain text and wins; `encodedBody` is base64. A body that
// is not a string is sent as its JSON text.
function reflectedBody(fields: Record<string, unknown>): Buffer {
  const body = fields.body;
  if (typeof body === 'string' && body !== '') {
    return Buffer.from(body, 'utf8');
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return Buffer.from(JSON.stringify(body), 'utf8');
  }
  const encoded = fields.encodedBody ?? fields.encoded_body;
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
}

function sniffContentType(body: Buffer): string {
  const head = body.subarray(0, 512).toString('latin1');
  if (HTML_PREFIX.test(head)) {
    return 'text/html; charset=utf-8';
  }
  if (/^[\t\n\f\r ]*<\?xml/.test(head)) {
    return 'text/xml; charset=utf-8';
  }
  return BINARY_BYTES.test(head) ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}

function echo(request: HttpRequestSpec): HttpResponseSpec {
  const lines = [`${request.method} ${request.path}`, `host: ${request.authority}`];
  for (const [name, value] of request.headers) {
    lines.push(`${name}: ${SECRET_HEADERS.has(name) ? '[redacted]' : value}`);
  }

  const body = request.body ?? Buffer.alloc(0);
  const echoedBody = body.subarray(0, ECHO_BODY_LIMIT);
  // Request fields are byte strings (one character per byte).
  const parts = [Buffer.from(`${lines.join('\n')}\n\n`, 'latin1'), echoedBody];
  if (body.length > echoedBody.length) {
    parts.push(Buffer.from(`\n[${body.length - echoedBody.length} more bytes not echoed]\n`, 'utf8'));
  }
  return withBody(200, [['content-type', 'text/plain; charset=utf-8']], Buffer.concat(parts));
}

function plain(status: number, text: string): HttpResponseSpec {
  return withBody(status, [['content-type', 'text/plain; charset=utf-8']], Buffer.from(text, 'utf8'));
}

function withBody(status: number, headers: Array<[string, string]>, body: Buffer): HttpResponseSpec {
  headers.push(['content-length', String(body.length)]);
  const response: HttpResponseSpec = { status, headers };
  if (body.length > 0) {
    response.body = body;
  }
  return response;
}
