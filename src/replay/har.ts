// Reads HAR 1.2 files (browser and proxy recordings) into replay items: the
// request as Envoy's connection manager would hand it to ext_proc, and the
// recorded response, which the replay upstream returns unchanged.
import path from 'node:path';
import type { HttpRequestSpec, HttpResponseSpec } from '../client/types.js';
import { forwardedHeaders, headerValue, removeHeader, setHeader, toByteString } from './forwarded-headers.js';
import { checkHeaderLimits, type HeaderLimits } from './header-limits.js';
import { skipped, type HarItem, type ParsedItem } from './items.js';

type JsonMap = Record<string, unknown>;

// HAR is JSON text; the client stores header values and the request line as
// byte strings (see toByteString), so every recorded string is converted.

// scheme "://" authority, then path and query up to an optional fragment.
const ABSOLUTE_URL = /^([A-Za-z][A-Za-z0-9+\-.]*):\/\/([^/?#]*)([^#]*)/;

/**
 * Parses one HAR file; throws when it is not JSON or has no `log.entries`
 * list. An entry over Envoy's header limits (`limits`) becomes a skipped item.
 */
export function parseHarFile(text: string, filePath: string, limits: HeaderLimits = {}): ParsedItem[] {
  const name = path.basename(filePath);
  const entries = harEntries(text, filePath);

  return entries.map((entry, index) => {
    const source = `${name}#${index + 1}`;
    try {
      return parseEntry(asMap(entry) ?? {}, source, limits);
    } catch (error) {
      return skipped(source, 'har_invalid_entry', `entry ${index + 1} is malformed: ${(error as Error).message}`);
    }
  });
}

/**
 * Cache hits never reach a proxy. Chrome's DevTools export marks them with
 * `_fromCache`; Playwright records them with `_transferSize` 0 and a negative
 * `response.bodySize`, which HAR 1.2 specifies for a body that was not transferred.
 */
function servedFromCache(entry: JsonMap, response: JsonMap): boolean {
  if (entry._fromCache === 'memory' || entry._fromCache === 'disk') {
    return true;
  }
  return response._transferSize === 0 && typeof response.bodySize === 'number' && response.bodySize < 0 && Number(response.status) !== 304;
}

function harEntries(text: string, filePath: string): unknown[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${filePath} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const entries = asMap(asMap(document)?.log)?.entries;
  if (!Array.isArray(entries)) {
    throw new Error(`${filePath} is not a HAR file: it has no "log.entries" list; pass HAR 1.2 or go-ftw YAML files`);
  }
  return entries;
}

function parseEntry(entry: JsonMap, source: string, limits: HeaderLimits): ParsedItem {
  const request = asMap(entry.request);
  const response = asMap(entry.response);
  if (request === undefined || typeof request.url !== 'string') {
    return skipped(source, 'har_invalid_entry', 'the entry has no request.url');
  }

  const url = ABSOLUTE_URL.exec(request.url);
  const scheme = url?.[1]?.toLowerCase();
  if (url === null || (scheme !== 'http' && scheme !== 'https')) {
    return skipped(source, 'har_unsupported_scheme', `URL scheme of ${JSON.stringify(clip(request.url))} is not http or https`);
  }
  const status = Number(response?.status ?? 0);
  if (response === undefined || !Number.isInteger(status) || status < 100) {
    return skipped(source, 'har_no_response', 'the entry records no response (status 0: blocked, aborted or failed in the browser)');
  }
  if (servedFromCache(entry, response)) {
    return skipped(source, 'har_from_cache', 'the browser answered this entry from its cache, so it never reached the proxy');
  }
  if (status === 101) {
    return skipped(source, 'upgrade_not_configured', 'the entry is a protocol upgrade (101), which replay does not play');
  }
  const overLimit = checkHeaderLimits(nameValuePairs(request.headers).filter(([name]) => !name.startsWith(':')), limits);
  if (overLimit !== undefined) {
    return skipped(source, `har_${overLimit.reason}`, overLimit.detail);
  }

  const harRequest = buildRequest(request, url);
  const item: HarItem = { kind: 'har', source, request: harRequest, response: buildResponse(response, status, harRequest.method) };
  return item;
}

function buildRequest(request: JsonMap, url: RegExpExecArray): HttpRequestSpec {
  const recorded = nameValuePairs(request.headers);
  const pseudo = new Map(recorded.filter(([name]) => name.startsWith(':')).map(([name, value]) => [name.toLowerCase(), value]));
  const forwarded = forwardedHeaders(recorded);
  const headers = forwarded.headers;

  // HTTP/2 recordings (Chrome, Firefox) list pseudo-headers among the
  // headers; they win over the URL because they are what went on the wire.
  const urlPath = originForm(url[3]!);
  const spec: HttpRequestSpec = {
    method: pseudo.get(':method') ?? toByteString(String(request.method ?? 'GET')),
    path: pseudo.get(':path') ?? toByteString(urlPath),
    scheme: pseudo.get(':scheme') ?? url[1]!.toLowerCase(),
    authority: pseudo.get(':authority') ?? forwarded.hosts[0] ?? toByteString(withoutUserinfo(url[2]!)),
    headers,
  };

  addCookieHeader(headers, request.cookies);
  const postData = asMap(request.postData);
  const body = postData === undefined ? Buffer.alloc(0) : postDataBody(postData);
  if (postData !== undefined && headerValue(headers, 'content-type') === undefined && typeof postData.mimeType === 'string' && postData.mimeType !== '') {
    headers.push(['content-type', toByteString(postData.mimeType)]);
  }
  fixContentLength(headers, body, false);
  if (body.length > 0) {
    spec.body = body;
  }
  return spec;
}

// Some exporters leave the Cookie header out but keep `cookies`.
function addCookieHeader(headers: Array<[string, string]>, cookies: unknown): void {
  const pairs = nameValuePairs(cookies);
  if (pairs.length === 0 || headerValue(headers, 'cookie') !== undefined) {
    return;
  }
  headers.push(['cookie', pairs.map(([name, value]) => `${name}=${value}`).join('; ')]);
}

// HAR 1.2 gives the body as `text`, or only as `params` for forms. Some
// exporters add a non-standard `encoding: base64` to postData as well.
function postDataBody(postData: JsonMap): Buffer {
  if (typeof postData.text === 'string') {
    return Buffer.from(postData.text, postData.encoding === 'base64' ? 'base64' : 'utf8');
  }
  const params = Array.isArray(postData.params) ? postData.params.map((param) => asMap(param) ?? {}) : [];
  if (params.length === 0) {
    return Buffer.alloc(0);
  }

  const mimeType = typeof postData.mimeType === 'string' ? postData.mimeType : '';
  const boundary = /boundary="?([^";]+)"?/i.exec(mimeType)?.[1];
  if (mimeType.toLowerCase().startsWith('multipart/form-data') && boundary !== undefined) {
    return multipartBody(params, boundary);
  }
  const pairs = params.map((param): [string, string] => [String(param.name ?? ''), String(param.value ?? '')]);
  const form = new URLSearchParams(pairs);
  return Buffer.from(form.toString(), 'utf8');
}

// RFC 7578 multipart/form-data, one part per recorded parameter.
function multipartBody(params: JsonMap[], boundary: string): Buffer {
  const parts = params.map((param) => {
    const fileName = typeof param.fileName === 'string' ? `; filename="${param.fileName}"` : '';
    const contentType = typeof param.contentType === 'string' ? `Content-Type: ${param.contentType}\r\n` : '';
    return `--${boundary}\r\nContent-Disposition: form-data; name="${String(param.name ?? '')}"${fileName}\r\n${contentType}\r\n${String(param.value ?? '')}\r\n`;
  });
  return Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'utf8');
}

function buildResponse(response: JsonMap, status: number, method: string): HttpResponseSpec {
  const forwarded = forwardedHeaders(nameValuePairs(response.headers));
  const headers = forwarded.headers;
  const content = asMap(response.content) ?? {};
  const body = typeof content.text === 'string' ? Buffer.from(content.text, content.encoding === 'base64' ? 'base64' : 'utf8') : Buffer.alloc(0);

  // HAR keeps the decoded body (HAR 1.2, content.text), so the recorded
  // Content-Encoding no longer describes it and is dropped.
  removeHeader(headers, 'content-encoding');
  // RFC 9110 sections 8.6 and 9.3.2: HEAD, 204 and 304 carry the length of a
  // body that is not sent, so their Content-Length stays as recorded.
  fixContentLength(headers, body, method === 'HEAD' || status === 204 || status === 304);

  const spec: HttpResponseSpec = { status, headers };
  if (body.length > 0) {
    spec.body = body;
  }
  return spec;
}

// A recorded Content-Length that differs from the replayed body (a body the
// browser did not keep, or a decoded one) would make Envoy wait for bytes
// that never come, so it is set to the replayed length.
function fixContentLength(headers: Array<[string, string]>, body: Buffer, keep: boolean): void {
  const recorded = headerValue(headers, 'content-length');
  if (keep || recorded === undefined || recorded === String(body.length)) {
    return;
  }
  setHeader(headers, 'content-length', String(body.length));
}

function nameValuePairs(value: unknown): Array<[string, string]> {
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .map((pair) => asMap(pair) ?? {})
    .filter((pair) => typeof pair.name === 'string')
    .map((pair) => [toByteString(String(pair.name)), toByteString(String(pair.value ?? ''))]);
}

// RFC 9112 section 3.2.1: an empty path is sent as "/".
function originForm(pathAndQuery: string): string {
  return pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`;
}

function withoutUserinfo(authority: string): string {
  const at = authority.lastIndexOf('@');
  return at === -1 ? authority : authority.slice(at + 1);
}

function asMap(value: unknown): JsonMap | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonMap) : undefined;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
