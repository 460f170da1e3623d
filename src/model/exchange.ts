// The facts ctxproc has about one HTTP transaction, filled in phase by phase by
// the session and read by the rule engine and the event builder. It is plain
// data: no gRPC types, so the engine and events can be tested alone.

/** Headers as Envoy sent them: lower-case names, repeated names kept apart. */
export type HeaderList = Array<[name: string, value: string]>;

export interface BodyCapture {
  /** Bytes kept, at most the configured body limit. */
  bytes: Buffer;
  /** Total bytes Envoy sent for this body, kept or not. */
  size: number;
  /** True when bytes beyond the limit were dropped. */
  truncated: boolean;
  /** True once Envoy signalled the end of this body. */
  complete: boolean;
  /** Set when the headers name a content coding; readableBytes (readable-body.ts) decodes the body then. */
  encoding?: ContentEncoding;
}

export interface ContentEncoding {
  /** The codings of the content-encoding headers, in the order applied, lower-case, without identity. */
  codings: readonly string[];
  /** Max decoded bytes: the body limit, the bound of the encoded bytes too. */
  maxDecodedBytes: number;
}

export interface RequestFacts {
  method: string;
  /** `:path` as sent: path and query. */
  path: string;
  /** Path without the query. */
  url_path: string;
  /** Query string without the leading `?`; empty when absent. */
  query: string;
  /** `:authority`, or `host` when absent. */
  host: string;
  scheme: string;
  headers: HeaderList;
  body: BodyCapture | null;
  trailers: HeaderList | null;
}

export interface ResponseFacts {
  /** `:status`, or for a blocked request the status of ctxproc's immediate response. */
  code: number;
  headers: HeaderList;
  body: BodyCapture | null;
  trailers: HeaderList | null;
}

export interface Endpoint {
  address: string;
  port: number;
}

export interface Exchange {
  /** ctxproc's own id for the transaction, unique per process. */
  id: string;
  /** Wall-clock start, in milliseconds since the epoch. */
  startTimeMs: number;
  /** Monotonic start, from process.hrtime.bigint(). */
  startNs: bigint;
  /** Monotonic end, set when the transaction ends. */
  endNs: bigint | null;
  request: RequestFacts | null;
  response: ResponseFacts | null;
  /** From Envoy's `source.address`/`source.port` attributes, else from x-forwarded-for. */
  source: Endpoint | null;
  /** From Envoy's `destination.address`/`destination.port` attributes. */
  destination: Endpoint | null;
  /** Envoy attributes sent in ProcessingRequest.attributes, by attribute name. */
  attributes: Record<string, unknown>;
}
