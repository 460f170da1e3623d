// Decides, for one raw HTTP/1 request, whether Envoy's HTTP/1 codec and
// connection manager would pass it to the filter chain, and if so builds the
// request that ext_proc would see. Envoy responds to a rejected request itself
// (400, 404, 426, 431 or 501), so such a request never reaches ext_proc and
// replay counts it as skipped.
//
// Facts below were read from envoyproxy/envoy: balsa_parser.cc (method list,
// URL and version checks), http1/codec_impl.cc (Transfer-Encoding,
// Content-Length, HTTP/1.0, absolute URLs) and conn_manager_impl.cc (Host,
// relative path, fragment), at revisions from 2024-2025.
import type { HttpRequestSpec } from '../client/types.js';
import { forwardedHeaders, headerValue, removeHeader } from './forwarded-headers.js';
import { DEFAULT_MAX_HEADERS_COUNT, DEFAULT_MAX_REQUEST_HEADERS_KB } from './header-limits.js';
import { displayText, readBody, readHttp1Message, type BodyFraming, type Http1Message } from './http1-message.js';

/** Envoy listener settings that change what the HTTP/1 codec accepts. */
export interface Http1Settings {
  /** http_protocol_options.accept_http_10; Envoy's default is false (426 for HTTP/1.0). */
  acceptHttp10?: boolean;
  /** http_protocol_options.default_host_for_http_10, used when an HTTP/1.0 request has no Host. */
  defaultHostForHttp10?: string;
  /** http_protocol_options.allow_custom_methods; default false (only balsa's method list). */
  allowCustomMethods?: boolean;
  /** http_protocol_options.allow_chunked_length; default false (400 for chunked plus Content-Length). */
  allowChunkedLength?: boolean;
  /** max_request_headers_kb, in KiB; Envoy's default is 60. */
  maxRequestHeadersKb?: number;
  /** common_http_protocol_options.max_headers_count; Envoy's default is 100. */
  maxHeadersCount?: number;
  /** :scheme of the listener; `http` for a plaintext listener. */
  scheme?: string;
}

export interface Http1Admitted {
  ok: true;
  request: HttpRequestSpec;
  /** Changes Envoy made and bytes it ignored, e.g. removed hop-by-hop headers. */
  notes: string[];
}

export interface Http1Rejected {
  ok: false;
  /** Fixed category, e.g. `http1_invalid_version`. */
  reason: string;
  detail: string;
}

// balsa_parser.cc isMethodValid: the methods http-parser knew; Envoy rejects
// others unless allow_custom_methods is set.
const KNOWN_METHODS = new Set([
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'MERGE', 'MKACTIVITY',
  'MKCALENDAR', 'MKCOL', 'MOVE', 'MSEARCH', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE',
  'PUT', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
]);

// RFC 9110 section 5.6.2 token characters, for methods and header names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// balsa_parser.cc isUrlValid: after the first character, path and query
// bytes must be HTAB, FF or '!'..'~'.
const PATH_QUERY = /^[\t\f!-~]*$/;
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+\-.]*):\/\/([^/?]*)(.*)$/;
const CONNECT_FORM = /^()([^/?]*)(.*)$/;
const URL_HOST = /^[A-Za-z0-9!$%&'()*+,\-.:;=@[\]_~]*$/;

// nghttp2_check_authority, which HeaderUtility::authorityIsValid calls.
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:%@[\]]*$/;

/** Applies Envoy's HTTP/1 checks to a raw request and builds what ext_proc would see. */
export function admitHttp1Request(raw: Buffer, settings: Http1Settings = {}): Http1Admitted | Http1Rejected {
  const message = readHttp1Message(raw);
  if ('reason' in message) {
    return { ok: false, ...message };
  }

  // Checks run in the order Envoy meets the problems: request line, header
  // block, framing headers, then the protocol version.
  const rejection =
    checkRequestLine(message, settings) ??
    checkHeaderLimits(message, settings) ??
    checkHeaderNames(message) ??
    checkFraming(message, settings) ??
    checkVersion(message, settings);
  if (rejection !== undefined) {
    return rejection;
  }
  return buildRequest(message, settings);
}

function reject(reason: string, detail: string): Http1Rejected {
  return { ok: false, reason, detail };
}

function checkRequestLine(message: Http1Message, settings: Http1Settings): Http1Rejected | undefined {
  const { method, target, version } = message;
  const methodValid = settings.allowCustomMethods ? TOKEN.test(method) : KNOWN_METHODS.has(method);
  if (!methodValid) {
    return reject('http1_invalid_method', `method ${JSON.stringify(clip(method))} is not one Envoy's HTTP/1 parser accepts; Envoy responds with 400`);
  }
  if (!urlValid(target, method === 'CONNECT')) {
    return reject('http1_invalid_url', `request target ${JSON.stringify(clip(target))} is not a valid URL for Envoy's HTTP/1 parser; Envoy responds with 400`);
  }
  if (version !== '' && !/^HTTP\/\d\.\d$/.test(version)) {
    return reject('http1_invalid_version', `HTTP version ${JSON.stringify(clip(version))} is malformed; Envoy responds with 400`);
  }
  return undefined;
}

function urlValid(target: string, isConnect: boolean): boolean {
  if (target === '') {
    return false;
  }
  if (target.startsWith('/') || target.startsWith('*')) {
    return PATH_QUERY.test(target.slice(1));
  }

  const absolute = (isConnect ? CONNECT_FORM : ABSOLUTE_FORM).exec(target);
  if (absolute === null) {
    return false;
  }
  const host = absolute[2] ?? '';
  return URL_HOST.test(host) && !host.includes('@@') && PATH_QUERY.test(absolute[3] ?? '');
}

function checkHeaderLimits(message: Http1Message, settings: Http1Settings): Http1Rejected | undefined {
  const maxCount = settings.maxHeadersCount ?? DEFAULT_MAX_HEADERS_COUNT;
  if (message.headers.length > maxCount) {
    return reject('http1_too_many_headers', `the request has ${message.headers.length} headers, more than max_headers_count ${maxCount}; Envoy responds with 431`);
  }
  const maxBytes = (settings.maxRequestHeadersKb ?? DEFAULT_MAX_REQUEST_HEADERS_KB) * 1024;
  if (message.headerBytes > maxBytes) {
    return reject('http1_headers_too_large', `the request head is ${message.headerBytes} bytes, more than max_request_headers_kb (${maxBytes} bytes); Envoy responds with 431`);
  }
  return undefined;
}

function checkHeaderNames(message: Http1Message): Http1Rejected | undefined {
  for (const [name] of message.headers) {
    if (!TOKEN.test(name)) {
      return reject('http1_invalid_header_name', `header name ${JSON.stringify(clip(name))} is not an RFC 9110 token; Envoy responds with 400`);
    }
  }
  return undefined;
}

function checkFraming(message: Http1Message, settings: Http1Settings): Http1Rejected | undefined {
  const lengths = valuesOf(message, 'content-length');
  const encodings = valuesOf(message, 'transfer-encoding');

  // Envoy sets balsa's disallow_multiple_content_length.
  if (lengths.length > 1) {
    return reject('http1_multiple_content_length', 'the request has more than one Content-Length header; Envoy responds with 400');
  }
  if (lengths.length === 1 && !/^\d{1,15}$/.test(lengths[0]!)) {
    return reject('http1_invalid_content_length', `Content-Length ${JSON.stringify(clip(lengths[0]!))} is not a number; Envoy responds with 400`);
  }
  if (encodings.length === 0) {
    return undefined;
  }

  // RFC 9112 section 6.1: Envoy accepts only `chunked`, and responds with 501 to
  // any other transfer coding.
  const encoding = encodings.join(',');
  if (encoding.toLowerCase() !== 'chunked' || message.method === 'CONNECT') {
    return reject('http1_invalid_transfer_encoding', `Transfer-Encoding ${JSON.stringify(clip(encoding))} is not "chunked"; Envoy responds with 501`);
  }
  if (lengths.length > 0 && settings.allowChunkedLength !== true) {
    return reject('http1_chunked_content_length', 'the request sets both Transfer-Encoding and Content-Length; Envoy responds with 400 unless allow_chunked_length is set');
  }
  return undefined;
}

// Envoy treats every version but HTTP/1.1 (HTTP/1.0, HTTP/0.9, HTTP/2.0 on an
// HTTP/1 connection, ...) as HTTP/1.0 and responds with 426 unless accept_http_10.
function checkVersion(message: Http1Message, settings: Http1Settings): Http1Rejected | undefined {
  if (message.version === 'HTTP/1.1' || settings.acceptHttp10 === true) {
    return undefined;
  }
  const versionText = message.version === '' ? 'none (HTTP/0.9)' : clip(message.version);
  return reject('http1_version_not_accepted', `HTTP version ${versionText} is not HTTP/1.1, so Envoy handles it as HTTP/1.0 and responds with 426 unless accept_http_10 is set`);
}

function valuesOf(message: Http1Message, name: string): string[] {
  return message.headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);
}

function buildRequest(message: Http1Message, settings: Http1Settings): Http1Admitted | Http1Rejected {
  const forwarded = forwardedHeaders(message.headers);
  const target = resolveTarget(message, settings);
  if ('reason' in target) {
    return reject(target.reason, target.detail);
  }

  const authority = target.authority ?? hostFor(message, forwarded.hosts, settings);
  const rejection = checkUpgrade(message) ?? checkAuthority(authority) ?? checkPath(target.path);
  if (rejection !== undefined) {
    return rejection;
  }

  const framing = framingOf(message);
  const read = readBody(message.rest, framing);
  if ('reason' in read) {
    return reject(read.reason, read.detail);
  }

  if (settings.allowChunkedLength === true && framing.kind === 'chunked') {
    removeHeader(forwarded.headers, 'content-length');
  }
  const request: HttpRequestSpec = {
    method: message.method,
    path: target.path,
    scheme: target.scheme,
    authority: authority ?? '',
    headers: forwarded.headers,
  };
  if (read.body.length > 0) {
    request.body = read.body;
  }
  return { ok: true, request, notes: notesFor(forwarded.removed, read.leftover) };
}

interface Target {
  authority: string | undefined;
  path: string;
  scheme: string;
}

// RFC 9112 section 3.2.2: a proxy takes the authority of an absolute-form
// target and ignores Host; Envoy rejects https:// targets on a plaintext
// connection with 403.
function resolveTarget(message: Http1Message, settings: Http1Settings): Target | Http1Rejected {
  const scheme = settings.scheme ?? 'http';
  const absolute = ABSOLUTE_FORM.exec(message.target);
  if (absolute === null || message.method === 'CONNECT') {
    return { authority: undefined, path: message.target, scheme };
  }

  const targetScheme = absolute[1]!.toLowerCase();
  if (targetScheme === 'https' && scheme === 'http') {
    return reject('http1_https_in_plaintext', `request target ${JSON.stringify(clip(message.target))} is https on a plaintext connection; Envoy responds with 403`);
  }
  if (targetScheme !== 'http' && targetScheme !== 'https') {
    return reject('http1_invalid_scheme', `request target scheme ${JSON.stringify(targetScheme)} is neither http nor https; Envoy responds with 400`);
  }
  const path = absolute[3] === '' ? '/' : absolute[3]!;
  return { authority: absolute[2]!, path, scheme };
}

function hostFor(message: Http1Message, hosts: string[], settings: Http1Settings): string | undefined {
  if (hosts.length > 0) {
    // Envoy appends a repeated inline header to the first with a comma.
    return hosts.join(',');
  }
  if (message.version !== 'HTTP/1.1' && settings.defaultHostForHttp10 !== undefined && settings.defaultHostForHttp10 !== '') {
    return settings.defaultHostForHttp10;
  }
  return undefined;
}

function checkAuthority(authority: string | undefined): Http1Rejected | undefined {
  if (authority === undefined) {
    return reject('missing_host_header', 'the request has no Host header; Envoy responds with 400');
  }
  if (!AUTHORITY.test(authority)) {
    return reject('invalid_authority', `Host ${JSON.stringify(clip(authority))} is not a valid authority; Envoy responds with 400`);
  }
  return undefined;
}

// The connection manager handles only origin-form paths (404 otherwise) and,
// by default (http_reject_path_with_fragment), responds with 400 to a '#' fragment.
function checkPath(path: string): Http1Rejected | undefined {
  if (!path.startsWith('/')) {
    return reject('non_relative_path', `path ${JSON.stringify(clip(path))} does not start with "/"; Envoy responds with 404`);
  }
  if (path.includes('#')) {
    return reject('path_with_fragment', `path ${JSON.stringify(clip(path))} has a "#" fragment; Envoy responds with 400`);
  }
  return undefined;
}

// Replay models a listener without upgrade_configs: Envoy responds with 403 to
// CONNECT and to an upgrade (Connection: upgrade plus Upgrade). The codec
// strips h2c upgrades, so those continue as plain requests.
function checkUpgrade(message: Http1Message): Http1Rejected | undefined {
  if (message.method === 'CONNECT') {
    return reject('upgrade_not_configured', 'CONNECT needs an upgrade_configs entry; Envoy responds with 403');
  }

  const lower: Array<[string, string]> = message.headers.map(([name, value]) => [name.toLowerCase(), value]);
  const connection = (headerValue(lower, 'connection') ?? '').toLowerCase().split(',').map((token) => token.trim());
  const upgrade = (headerValue(lower, 'upgrade') ?? '').toLowerCase().trim();
  if (!connection.includes('upgrade') || upgrade === '' || upgrade === 'h2c') {
    return undefined;
  }
  return reject('upgrade_not_configured', `Upgrade ${JSON.stringify(clip(upgrade))} needs an upgrade_configs entry; Envoy responds with 403`);
}

function framingOf(message: Http1Message): BodyFraming {
  if (valuesOf(message, 'transfer-encoding').length > 0) {
    return { kind: 'chunked' };
  }
  const length = valuesOf(message, 'content-length')[0];
  return length === undefined ? { kind: 'none' } : { kind: 'length', length: Number(length) };
}

function notesFor(removed: string[], leftover: number): string[] {
  const notes: string[] = [];
  if (removed.length > 0) {
    notes.push(`Envoy removes hop-by-hop headers before ext_proc: ${removed.join(', ')}`);
  }
  if (leftover > 0) {
    notes.push(leftover === 1
      ? '1 byte after the request was not sent; Envoy would read it as the start of the next request'
      : `${leftover} bytes after the request were not sent; Envoy would read them as the next request`);
  }
  return notes;
}

// Values in messages are shown as UTF-8 text and cut at 60 characters.
function clip(byteString: string): string {
  const text = displayText(byteString);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
