// The values CEL expressions read, built from an Exchange on demand. This is
// the hot path: one Activation is made per phase, each attribute group only
// when an expression touches it, and header maps once per phase. A getter
// returns undefined for an attribute not known yet, which CEL's has() reports
// as absent and a plain read reports as a "No such key" evaluation error.
// Compiled conditions also keep a few values in plain fields of the
// Activation (HOT_VALUES and the header map fields), so that their reads
// skip the getters.
import { bodyText } from '../model/body-text.js';
import type { BodyCapture, Exchange, HeaderList } from '../model/exchange.js';
import type { TransactionRecord } from '../model/record.js';
import { parseCookies, parseFormBody, parseJsonBody } from './body-parsing.js';
import { requestDetections, responseDetections } from './detections-provider.js';
import type { DetectionMap } from './detections-provider.js';

/**
 * Builds a lower-case header map. Repeated names are joined with ", " as
 * Envoy's CEL attributes do. Cookie crumbs are joined with "; " instead
 * (RFC 9113, section 8.2.3), so the value reads as one Cookie header.
 */
function headerMap(headers: HeaderList): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const previous = map.get(key);
    const separator = key === 'cookie' ? '; ' : ', ';
    map.set(key, previous === undefined ? value : `${previous}${separator}${value}`);
  }
  return map;
}

/**
 * Returns the body size: the bytes seen once the body is complete, else
 * content-length, else undefined. An empty body defers to content-length,
 * which a HEAD or 304 response keeps for the body it did not send.
 */
function bodySize(body: BodyCapture | null, headers: Map<string, string>): bigint | undefined {
  if (body !== null && body.complete && body.size > 0) {
    return BigInt(body.size);
  }

  const contentLength = headers.get('content-length');
  if (contentLength !== undefined && /^\d{1,15}$/.test(contentLength)) {
    return BigInt(contentLength);
  }
  return body !== null && body.complete ? 0n : undefined;
}

function bodyTextOf(body: BodyCapture | null): string | undefined {
  return body === null ? undefined : bodyText(body);
}

function stringAttribute(exchange: Exchange, name: string): string | undefined {
  const value = exchange.attributes[name];
  return typeof value === 'string' ? value : undefined;
}

/** Marks a parsed value not computed yet; undefined is a valid result (absent). */
const NOT_PARSED = Symbol('not parsed');

export class RequestAttributes {
  readonly #exchange: Exchange;
  #headers: Map<string, string> | undefined;
  #cookies: Map<string, string> | undefined;
  #json: unknown = NOT_PARSED;
  #form: Map<string, string> | undefined | typeof NOT_PARSED = NOT_PARSED;
  #size: bigint | undefined | typeof NOT_PARSED = NOT_PARSED;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
  }

  get method(): string | undefined {
    return this.#exchange.request?.method;
  }

  get path(): string | undefined {
    return this.#exchange.request?.path;
  }

  get url_path(): string | undefined {
    return this.#exchange.request?.url_path;
  }

  get query(): string | undefined {
    return this.#exchange.request?.query;
  }

  get host(): string | undefined {
    return this.#exchange.request?.host;
  }

  get scheme(): string | undefined {
    return this.#exchange.request?.scheme;
  }

  get protocol(): string | undefined {
    return stringAttribute(this.#exchange, 'request.protocol');
  }

  get headers(): Map<string, string> | undefined {
    const request = this.#exchange.request;
    if (request === null) {
      return undefined;
    }
    this.#headers ??= headerMap(request.headers);
    return this.#headers;
  }

  get referer(): string | undefined {
    return this.headers?.get('referer');
  }

  get useragent(): string | undefined {
    return this.headers?.get('user-agent');
  }

  get id(): string | undefined {
    return this.headers?.get('x-request-id') ?? stringAttribute(this.#exchange, 'request.id');
  }

  get size(): bigint | undefined {
    if (this.#size === NOT_PARSED) {
      const headers = this.headers;
      this.#size = headers === undefined ? undefined : bodySize(this.#exchange.request?.body ?? null, headers);
    }
    return this.#size;
  }

  get time(): Date | undefined {
    return this.#exchange.request === null ? undefined : new Date(this.#exchange.startTimeMs);
  }

  get body(): string | undefined {
    return bodyTextOf(this.#exchange.request?.body ?? null);
  }

  get cookies(): Map<string, string> | undefined {
    const headers = this.headers;
    if (headers === undefined) {
      return undefined;
    }
    this.#cookies ??= parseCookies(headers.get('cookie'));
    return this.#cookies;
  }

  get json(): unknown {
    if (this.#json === NOT_PARSED) {
      this.#json = parseJsonBody(this.#exchange.request?.body);
    }
    return this.#json;
  }

  get form(): Map<string, string> | undefined {
    if (this.#form === NOT_PARSED) {
      this.#form = parseFormBody(this.#exchange.request?.body, this.headers?.get('content-type'));
    }
    return this.#form;
  }

  get trailers(): Map<string, string> | undefined {
    const trailers = this.#exchange.request?.trailers;
    return trailers === null || trailers === undefined ? undefined : headerMap(trailers);
  }
}

export class ResponseAttributes {
  readonly #exchange: Exchange;
  #headers: Map<string, string> | undefined;
  #json: unknown = NOT_PARSED;
  #detections: DetectionMap[] | undefined;
  #code: bigint | undefined;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
  }

  get code(): bigint | undefined {
    const response = this.#exchange.response;
    if (response === null) {
      return undefined;
    }
    this.#code ??= BigInt(response.code);
    return this.#code;
  }

  get headers(): Map<string, string> | undefined {
    const response = this.#exchange.response;
    if (response === null) {
      return undefined;
    }
    this.#headers ??= headerMap(response.headers);
    return this.#headers;
  }

  get size(): bigint | undefined {
    const headers = this.headers;
    return headers === undefined ? undefined : bodySize(this.#exchange.response?.body ?? null, headers);
  }

  get body(): string | undefined {
    return bodyTextOf(this.#exchange.response?.body ?? null);
  }

  get json(): unknown {
    if (this.#json === NOT_PARSED) {
      this.#json = parseJsonBody(this.#exchange.response?.body);
    }
    return this.#json;
  }

  /** Absent until the response has arrived; computed once per activation, that is once per phase. */
  get detections(): DetectionMap[] | undefined {
    if (this.#exchange.response === null) {
      return undefined;
    }
    this.#detections ??= responseDetections(this.#exchange);
    return this.#detections;
  }

  get trailers(): Map<string, string> | undefined {
    const trailers = this.#exchange.response?.trailers;
    return trailers === null || trailers === undefined ? undefined : headerMap(trailers);
  }
}

/** source.* or destination.*: one end of the downstream connection. */
export class PeerAttributes {
  readonly address: string | undefined;
  readonly port: bigint | undefined;

  constructor(endpoint: { address: string; port: number } | null) {
    this.address = endpoint?.address;
    this.port = endpoint === null ? undefined : BigInt(endpoint.port);
  }
}

export class ConnectionAttributes {
  readonly #exchange: Exchange;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
  }

  get mtls(): boolean | undefined {
    const value = this.#exchange.attributes['connection.mtls'];
    return typeof value === 'boolean' ? value : undefined;
  }

  get requested_server_name(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.requested_server_name');
  }

  get tls_version(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.tls_version');
  }

  get subject_local_certificate(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.subject_local_certificate');
  }

  get subject_peer_certificate(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.subject_peer_certificate');
  }

  get dns_san_local_certificate(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.dns_san_local_certificate');
  }

  get dns_san_peer_certificate(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.dns_san_peer_certificate');
  }

  get uri_san_local_certificate(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.uri_san_local_certificate');
  }

  get uri_san_peer_certificate(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.uri_san_peer_certificate');
  }

  get sha256_peer_certificate_digest(): string | undefined {
    return stringAttribute(this.#exchange, 'connection.sha256_peer_certificate_digest');
  }
}

/** ctxproc.*: read live from the record, so each rule reads what earlier rules added. */
export class CtxprocAttributes {
  readonly #exchange: Exchange;
  readonly #record: TransactionRecord;

  constructor(exchange: Exchange, record: TransactionRecord) {
    this.#exchange = exchange;
    this.#record = record;
  }

  get matched(): string[] {
    return this.#record.matched;
  }

  get tags(): Record<string, string> {
    return this.#record.tags;
  }

  get transaction_id(): string {
    return this.#exchange.id;
  }
}

// Keys of the caches that compiled conditions fill on an Activation. They are symbols, so no CEL name can reach them.
export const HOT_VALUES: unique symbol = Symbol('hot attribute values');
export const REQUEST_HEADER_MAP: unique symbol = Symbol('request header map');
export const RESPONSE_HEADER_MAP: unique symbol = Symbol('response header map');

/** The CEL context of one phase: one getter per attribute root, each built on first use. */
export class Activation {
  /**
   * Values of the compiler's hot attributes, by number, stored by the
   * compiled conditions on their first read in this phase (see
   * compiler/attribute-readers.ts). A plain field, so that a read is one
   * load and not a chain of getters.
   */
  [HOT_VALUES]: unknown[] | undefined = undefined;
  /** The maps that request.headers and response.headers return, stored by the compiled conditions that read them. */
  [REQUEST_HEADER_MAP]: Map<string, string> | undefined = undefined;
  [RESPONSE_HEADER_MAP]: Map<string, string> | undefined = undefined;
  readonly #exchange: Exchange;
  readonly #record: TransactionRecord;
  #request: RequestAttributes | undefined;
  #response: ResponseAttributes | undefined;
  #source: PeerAttributes | undefined;
  #destination: PeerAttributes | undefined;
  #connection: ConnectionAttributes | undefined;
  #ctxproc: CtxprocAttributes | undefined;
  #detections: DetectionMap[] | undefined;

  constructor(exchange: Exchange, record: TransactionRecord) {
    this.#exchange = exchange;
    this.#record = record;
  }

  get request(): RequestAttributes {
    this.#request ??= new RequestAttributes(this.#exchange);
    return this.#request;
  }

  get response(): ResponseAttributes {
    this.#response ??= new ResponseAttributes(this.#exchange);
    return this.#response;
  }

  get source(): PeerAttributes {
    this.#source ??= new PeerAttributes(this.#exchange.source);
    return this.#source;
  }

  get destination(): PeerAttributes {
    this.#destination ??= new PeerAttributes(this.#exchange.destination);
    return this.#destination;
  }

  get connection(): ConnectionAttributes {
    this.#connection ??= new ConnectionAttributes(this.#exchange);
    return this.#connection;
  }

  get ctxproc(): CtxprocAttributes {
    this.#ctxproc ??= new CtxprocAttributes(this.#exchange, this.#record);
    return this.#ctxproc;
  }

  /** Request-side detections, computed on first read, so once per phase and only when a rule reads them. */
  get detections(): DetectionMap[] {
    this.#detections ??= requestDetections(this.#exchange);
    return this.#detections;
  }
}
