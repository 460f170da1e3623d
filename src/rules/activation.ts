// The values CEL expressions read, built from an Exchange on demand. This is
// the hot path: one Activation is made per phase, each attribute group only
// when an expression touches it, and header maps once per phase. A getter
// returns undefined for an attribute not known yet, which CEL's has() reports
// as absent and a plain read reports as a "No such key" evaluation error.
import type { BodyCapture, Exchange, HeaderList } from '../model/exchange.js';
import type { TransactionRecord } from '../model/record.js';

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

/** Returns the body size: the bytes seen once the body is complete, else content-length, else undefined. */
function bodySize(body: BodyCapture | null, headers: Map<string, string>): bigint | undefined {
  if (body !== null && body.complete) {
    return BigInt(body.size);
  }

  const contentLength = headers.get('content-length');
  return contentLength !== undefined && /^\d{1,15}$/.test(contentLength) ? BigInt(contentLength) : undefined;
}

function bodyText(body: BodyCapture | null): string | undefined {
  return body === null ? undefined : body.bytes.toString('utf8');
}

function stringAttribute(exchange: Exchange, name: string): string | undefined {
  const value = exchange.attributes[name];
  return typeof value === 'string' ? value : undefined;
}

export class RequestAttributes {
  readonly #exchange: Exchange;
  #headers: Map<string, string> | undefined;

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
    const headers = this.headers;
    return headers === undefined ? undefined : bodySize(this.#exchange.request?.body ?? null, headers);
  }

  get time(): Date | undefined {
    return this.#exchange.request === null ? undefined : new Date(this.#exchange.startTimeMs);
  }

  get body(): string | undefined {
    return bodyText(this.#exchange.request?.body ?? null);
  }

  get trailers(): Map<string, string> | undefined {
    const trailers = this.#exchange.request?.trailers;
    return trailers === null || trailers === undefined ? undefined : headerMap(trailers);
  }
}

export class ResponseAttributes {
  readonly #exchange: Exchange;
  #headers: Map<string, string> | undefined;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
  }

  get code(): bigint | undefined {
    const response = this.#exchange.response;
    return response === null ? undefined : BigInt(response.code);
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
    return bodyText(this.#exchange.response?.body ?? null);
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

/** The CEL context of one phase: one getter per attribute root, each built on first use. */
export class Activation {
  readonly #exchange: Exchange;
  readonly #record: TransactionRecord;
  #request: RequestAttributes | undefined;
  #response: ResponseAttributes | undefined;
  #source: PeerAttributes | undefined;
  #destination: PeerAttributes | undefined;
  #connection: ConnectionAttributes | undefined;
  #ctxproc: CtxprocAttributes | undefined;

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
}
