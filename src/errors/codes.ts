// The registry of ctxproc's error codes. Each code is used for one kind of
// failure only, never reused; docs/errors.md lists them with how to fix each.
// Tests assert codes, not message text.
import { status as GrpcStatus } from '@grpc/grpc-js';

export interface ErrorDefinition {
  /** gRPC status a stream ends with, for protocol errors. */
  grpcStatus: GrpcStatus;
  /** One line: what happened and what to do next. */
  hint: string;
}

export const ERROR_CODES = {
  // Protocol: messages from Envoy (or a client posing as Envoy) that break
  // the ext_proc contract. The stream ends with the status below; other
  // streams are unaffected.
  CTXPROC_PROTO_UNDECODABLE: {
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    hint: 'the message is not a valid envoy.service.ext_proc.v3.ProcessingRequest; check that the client speaks ext_proc v3',
  },
  CTXPROC_PROTO_MISSING_PHASE: {
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    hint: 'a ProcessingRequest must set exactly one of request_headers, request_body, request_trailers, response_headers, response_body, response_trailers',
  },
  CTXPROC_PROTO_DUPLICATE_PHASE: {
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    hint: 'Envoy sends headers and trailers at most once per direction and no body chunk after end_of_stream',
  },
  CTXPROC_PROTO_OUT_OF_ORDER: {
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    hint: 'within one direction Envoy sends headers, then body chunks, then trailers',
  },
  CTXPROC_PROTO_AFTER_END: {
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
    hint: 'the transaction already ended (ctxproc sent an immediate response, or the response ended); Envoy sends nothing after that',
  },
  CTXPROC_PROTO_TOO_LARGE: {
    grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED,
    hint: 'a message was larger than --max-message-bytes; raise it above Envoy\'s buffer limit for BUFFERED bodies, or use STREAMED',
  },
  CTXPROC_PROTO_TRUNCATED: {
    grpcStatus: GrpcStatus.INTERNAL,
    hint: 'the client half-closed the stream inside a gRPC message; Envoy never does, so check the client\'s framing',
  },
  CTXPROC_PROTO_COMPRESSED: {
    grpcStatus: GrpcStatus.UNIMPLEMENTED,
    hint: 'a message was sent compressed; Envoy sends ext_proc messages uncompressed, so turn off grpc-encoding on the client',
  },
  CTXPROC_STREAMS_EXHAUSTED: {
    grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED,
    hint: 'ctxproc holds --max-open-streams ext_proc streams and this connection holds the most of them, or twice that many across all connections; find the client that keeps streams open (the log names its address), or raise the limit if the memory allows, or add instances',
  },
  CTXPROC_REPLY_BUDGET_EXHAUSTED: {
    grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED,
    hint: 'replies that clients have not read use up --max-unsent-reply-bytes; find the client that does not read them, or raise the limit if the memory allows',
  },
  CTXPROC_STREAM_INTERNAL: {
    grpcStatus: GrpcStatus.INTERNAL,
    hint: 'ctxproc failed while processing this stream; the error is logged with the transaction id, please report it',
  },
  // Configuration and rules: these stop startup (or, later, a reload).
  CTXPROC_CONFIG_INVALID: {
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    hint: 'a setting has an invalid value; see ctxproc serve --help',
  },
  CTXPROC_RULES_INVALID: {
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    hint: 'the rules file is invalid; fix the listed file:line:column problems',
  },
  CTXPROC_RUNTIME_UNSUPPORTED: {
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
    hint: 'ctxproc needs Node.js 24 or newer; `npm ci` installs it as node_modules/.bin/node',
  },
  CTXPROC_WORKER_FAILED: {
    grpcStatus: GrpcStatus.UNAVAILABLE,
    hint: 'a serve --workers worker exited before it served, or kept exiting; its own log lines give the reason',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error that carries a registry code; thrown for configuration errors. */
export class CtxprocError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'CtxprocError';
    this.code = code;
  }
}
