// Public shapes of the Envoy-faithful ext_proc client: the HTTP exchange it
// plays, its options, and what one transaction produced.
import type { HeaderList } from '../model/exchange.js';
import type { JsonValue } from '../protocol/struct.js';

export type { HeaderList, JsonValue };

/**
 * A downstream request as Envoy's HTTP connection manager hands it to the
 * filter chain. Header names are lower-case and exclude pseudo-headers; a
 * `host` header is folded into `authority` as Envoy's codecs do.
 */
export interface HttpRequestSpec {
  method: string;
  path: string;
  scheme: string;
  authority: string;
  headers: HeaderList;
  body?: Buffer;
  trailers?: HeaderList;
}

/** An HTTP response: from the upstream, or what the downstream client received. */
export interface HttpResponseSpec {
  status: number;
  headers: HeaderList;
  body?: Buffer;
  trailers?: HeaderList;
}

/** Plays the upstream cluster: receives the request as mutated by ext_proc. */
export type Upstream = (request: HttpRequestSpec) => HttpResponseSpec | Promise<HttpResponseSpec>;

export type HeaderSendModeName = 'DEFAULT' | 'SEND' | 'SKIP';
export type BodySendModeName = 'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL' | 'FULL_DUPLEX_STREAMED';

/** ExternalProcessor.processing_mode; unset fields are DEFAULT or NONE, as in proto3. */
export interface ProcessingModeConfig {
  request_header_mode?: HeaderSendModeName;
  response_header_mode?: HeaderSendModeName;
  request_body_mode?: BodySendModeName;
  response_body_mode?: BodySendModeName;
  request_trailer_mode?: HeaderSendModeName;
  response_trailer_mode?: HeaderSendModeName;
}

/** envoy.config.common.mutation_rules.v3.HeaderMutationRules, without the regular expressions. */
export interface MutationRulesConfig {
  allow_all_routing?: boolean;
  allow_envoy?: boolean;
  disallow_system?: boolean;
  disallow_all?: boolean;
  disallow_is_error?: boolean;
}

/** The way the client ends a Process stream: Envoy resets by default, or half-closes behind a runtime guard. */
export type CloseMode = 'reset' | 'graceful';

export interface ClientOptions {
  /** ext_proc server address, host:port. */
  target: string;
  /** Envoy defaults: headers SEND, bodies NONE, trailers SKIP. */
  processingMode?: ProcessingModeConfig;
  /** Per-message timeout in milliseconds; Envoy's default is 200 and 0 fires at once. */
  messageTimeoutMs?: number;
  /** Upper bound for `override_message_timeout`, in milliseconds; 0 (Envoy's default) ignores every override. */
  maxMessageTimeoutMs?: number;
  failureModeAllow?: boolean;
  allowModeOverride?: boolean;
  allowedOverrideModes?: ProcessingModeConfig[];
  observabilityMode?: boolean;
  /** Observability mode keeps the stream open this long after the transaction, in milliseconds (Envoy: 5000). */
  deferredCloseTimeoutMs?: number;
  /** 'reset' (default) cancels the call (RST_STREAM); 'graceful' half-closes and waits for the status. */
  closeMode?: CloseMode;
  /** How long a graceful close waits for the server's status before resetting, in milliseconds (Envoy: 1000). */
  remoteCloseTimeoutMs?: number;
  mutationRules?: MutationRulesConfig;
  /** HTTP status of local replies for processing and gRPC errors (status_on_error; Envoy: 500). */
  statusOnError?: number;
  /** Sent once, on the first request-direction message, under attributes["envoy.filters.http.ext_proc"]. */
  requestAttributes?: Record<string, JsonValue>;
  /** Sent once, on the first response-direction message. */
  responseAttributes?: Record<string, JsonValue>;
  /** metadata_context.filter_metadata, sent on every message. */
  metadataContext?: Record<string, Record<string, JsonValue>>;
  /** dynamic_metadata namespaces kept from replies (default ['ctxproc']). */
  receivingNamespaces?: string[];
  /** Envoy's per-connection buffer limit in bytes (default 1 MiB). */
  bufferLimitBytes?: number;
  /** Size of the body chunks the downstream and upstream deliver, in bytes (default 16 KiB). */
  bodyChunkSize?: number;
  /** protocol_config on the first message (default true; Envoy releases before 1.34 never send it). */
  sendProtocolConfig?: boolean;
  /** HTTP/2 connections to spread streams over (default 1). */
  connections?: number;
  /** The connection manager's max_headers_count (default 100). */
  maxHeadersCount?: number;
  /** The connection manager's max_request_headers_kb (default 60). */
  maxHeadersKb?: number;
  /**
   * The connection manager's stream_idle_timeout in milliseconds (default
   * 300000). It bounds waits that have no message timer, which are
   * FULL_DUPLEX_STREAMED replies; expiry gives a 408 local reply.
   */
  streamIdleTimeoutMs?: number;
}

export interface GrpcStatusInfo {
  code: number;
  details: string;
}

/** The end of the Process stream, as the client saw it. */
export interface StreamEndInfo {
  /** not_opened: no message was needed; server: the server ended the call first. */
  how: 'not_opened' | 'reset' | 'half_close' | 'server';
  /** The status the call ended with, when the server sent one. */
  status: GrpcStatusInfo | null;
  /** Milliseconds spent waiting for the status after a half-close. */
  waitMs: number;
}

export interface TransactionResult {
  /** The request as it reached the upstream; null if it never did. */
  upstreamRequest: HttpRequestSpec | null;
  /** The response the downstream client received; partial when `downstreamReset` is true. */
  downstreamResponse: HttpResponseSpec;
  /** True when Envoy made the response itself (immediate_response, error, timeout, body too large). */
  localReply: boolean;
  /** True when Envoy had to reset the downstream stream because the response had already started. */
  downstreamReset: boolean;
  /** Envoy's %RESPONSE_CODE_DETAILS%, for example 'via_upstream'. */
  responseCodeDetails: string;
  /** Spurious replies, rejected mutations that failed the request, wrong reply kinds and similar. */
  protocolErrors: string[];
  timedOut: boolean;
  /** The status of the call when the server ended it itself. */
  grpcStatus: GrpcStatusInfo | null;
  /** Merged dynamic_metadata of the receiving namespaces, by namespace. */
  dynamicMetadata: Record<string, JsonValue>;
  /** Mutations Envoy rejected, counted as its rejected_header_mutations statistic. */
  rejectedHeaderMutations: number;
  messagesSent: number;
  messagesReceived: number;
  streamEnd: StreamEndInfo;
  /** The upstream function's error message when it threw (played as a reset, 503). */
  upstreamError: string | null;
}
