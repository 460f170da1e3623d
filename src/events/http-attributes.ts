// The Datadog standard attributes of an event: `http.*` and `network.*`,
// filled from the transaction's facts after redaction.
import { isIP } from 'node:net';
import type { Endpoint, Exchange, HeaderList, RequestFacts } from '../model/exchange.js';
import { redactAuthority, redactHeader, redactRequestTarget } from '../redaction/http-redaction.js';
import type { Redactor } from '../redaction/redactor.js';
import type { SecurityEvent } from './security-event.js';

type HttpAttributes = NonNullable<SecurityEvent['http']>;
type NetworkAttributes = NonNullable<SecurityEvent['network']>;

/** Envoy's `request.protocol` attribute values and the `http.version` each maps to. */
const HTTP_VERSIONS: Record<string, string> = {
  'HTTP/1.0': '1.0',
  'HTTP/1.1': '1.1',
  'HTTP/2': '2',
  'HTTP/3': '3',
};

/** Splits `:authority` into host and port: `example.com:8443`, `[2001:db8::1]:443`. */
const AUTHORITY = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/;

/** Builds `http.*`; returns undefined when the request headers never arrived. */
export function httpAttributes(redactor: Redactor, exchange: Exchange, statusCode: number | undefined): HttpAttributes | undefined {
  const request = exchange.request;
  if (!request) {
    return statusCode === undefined ? undefined : { status_code: statusCode };
  }

  const target = redactRequestTarget(redactor, request.url_path, request.query);
  const authority = splitAuthority(redactor.text('http.request.host', redactAuthority(redactor, 'http.request.url.userinfo', request.host)));
  const scheme = redactor.text('http.request.scheme', request.scheme);
  const http: HttpAttributes = {
    method: redactor.text('http.request.method', request.method),
    url: buildUrl(scheme, authority.host, authority.port, target.path, target.query),
    status_code: statusCode,
    useragent: headerText(redactor, request.headers, 'user-agent'),
    request_id: headerText(redactor, request.headers, 'x-request-id'),
    referer: headerText(redactor, request.headers, 'referer'),
    version: httpVersion(exchange.attributes['request.protocol']),
    url_details: {
      host: authority.host || undefined,
      port: authority.port,
      path: target.path,
      queryString: Object.keys(target.queryString).length > 0 ? target.queryString : undefined,
      scheme: scheme || undefined,
    },
  };
  return http;
}

/** Returns the redacted path for the default message, `GET /orders 404`. */
export function messagePath(http: HttpAttributes | undefined): string {
  return http?.url_details?.path || '-';
}

/** Builds `network.client` and `network.destination` from Envoy's source and destination attributes. */
export function networkAttributes(exchange: Exchange): NetworkAttributes | undefined {
  const client = endpoint(exchange.source);
  const destination = endpoint(exchange.destination);
  if (!client && !destination) {
    return undefined;
  }
  return { client, destination };
}

function buildUrl(scheme: string, host: string, port: number | undefined, path: string, query: string): string | undefined {
  if (!host) {
    return undefined;
  }
  const origin = `${scheme ? `${scheme}:` : ''}//${host}${port === undefined ? '' : `:${port}`}`;
  return `${origin}${path}${query ? `?${query}` : ''}`;
}

function splitAuthority(authority: string): { host: string; port: number | undefined } {
  const match = AUTHORITY.exec(authority);
  if (!match) {
    return { host: authority, port: undefined };
  }

  const port = match[2] === undefined ? undefined : Number(match[2]);
  return { host: match[1] ?? '', port: port !== undefined && port > 0 && port <= 65535 ? port : undefined };
}

function headerText(redactor: Redactor, headers: RequestFacts['headers'], name: string): string | undefined {
  const value = firstHeader(headers, name);
  return value === undefined || value === '' ? undefined : redactHeader(redactor, 'request', name, value);
}

function firstHeader(headers: HeaderList, name: string): string | undefined {
  for (const [key, value] of headers) {
    if (key.toLowerCase() === name) {
      return value;
    }
  }
  return undefined;
}

function httpVersion(protocol: unknown): string | undefined {
  return typeof protocol === 'string' && Object.hasOwn(HTTP_VERSIONS, protocol) ? HTTP_VERSIONS[protocol] : undefined;
}

/**
 * Returns the endpoint when its address is an IPv4 or IPv6 literal, else
 * undefined. When Envoy sends no `source.address`, the session falls back
 * on x-forwarded-for, which the client writes, so anything else is left out
 * rather than printed as an IP.
 */
function endpoint(source: Endpoint | null): { ip: string; port?: number } | undefined {
  if (!source || isIP(source.address) === 0) {
    return undefined;
  }
  return Number.isInteger(source.port) && source.port > 0 ? { ip: source.address, port: source.port } : { ip: source.address };
}
