// Builders for the ProcessingResponse that replies to each phase. Replies that
// carry nothing are encoded once at load time and reused.
import { encodeResponse, encodeTypedResponse } from '../protocol/codec.js';
import type { HeaderMutation, ProcessingMode, ProcessingResponse, RequestKind } from '../protocol/messages.js';
import type { BlockDecision } from '../model/record.js';

const EMPTY_REPLIES: Record<RequestKind, Buffer> = {
  request_headers: encodeResponse({ request_headers: {} }),
  response_headers: encodeResponse({ response_headers: {} }),
  request_body: encodeResponse({ request_body: {} }),
  response_body: encodeResponse({ response_body: {} }),
  request_trailers: encodeResponse({ request_trailers: {} }),
  response_trailers: encodeResponse({ response_trailers: {} }),
};

/** Returns the encoded empty (CONTINUE) reply for a phase. */
export function emptyReply(kind: RequestKind): Buffer {
  return EMPTY_REPLIES[kind];
}

/**
 * Builds a reply of the kind matching the request, with optional mutation,
 * metadata and mode_override. `metadata` is ProcessingResponse.dynamic_metadata
 * already encoded as a field (tag, length, Struct), as encodeStructField
 * returns it. Protobuf parsers merge fields in any order, and protobufjs
 * writes them by field number (the reply kind 1 to 7, dynamic_metadata 8,
 * mode_override 9), so appending encoded fields in that order gives the
 * bytes protobufjs would write for the whole message.
 */
export function phaseReply(kind: RequestKind, mutation: HeaderMutation | null, metadata: Buffer | null, modeOverride: ProcessingMode | null = null): Buffer {
  if (!mutation && !metadata && !modeOverride) {
    return EMPTY_REPLIES[kind];
  }

  const base = mutation && kind !== 'request_trailers' && kind !== 'response_trailers'
    // A trailers reply mutates trailers, not headers; header changes never go there.
    ? encodeTypedResponse({ [kind]: { response: { header_mutation: mutation } } })
    : EMPTY_REPLIES[kind];
  if (!metadata && !modeOverride) {
    return base;
  }

  // The mutation builder produces protobufjs's types (Buffers for raw_value), so no conversion is needed.
  const parts = [base];
  if (metadata) {
    parts.push(metadata);
  }
  if (modeOverride) {
    parts.push(encodeTypedResponse({ mode_override: modeOverride }));
  }
  return Buffer.concat(parts);
}

/**
 * Builds the reply to a body chunk in FULL_DUPLEX_STREAMED mode. Envoy drains
 * the original bytes in that mode and forwards only what the server sends, so
 * ctxproc sends every chunk back unchanged.
 */
export function streamedBodyReply(kind: 'request_body' | 'response_body', chunk: Uint8Array | undefined, endOfStream: boolean): Buffer {
  return encodeResponse({
    [kind]: { response: { body_mutation: { streamed_response: { body: chunk ?? Buffer.alloc(0), end_of_stream: endOfStream } } } },
  });
}

/** Builds the immediate response that blocks a request; a gRPC block also sets grpc_status, which Envoy puts in grpc-status. */
export function blockReply(block: BlockDecision, metadata: Buffer | null): Buffer {
  const message: ProcessingResponse = {
    immediate_response: {
      status: { code: block.status },
      headers: block.headers.length > 0
        ? { set_headers: block.headers.map(([key, value]) => ({ header: { key, raw_value: Buffer.from(value, 'utf8') } })) }
        : null,
      body: Buffer.from(block.body, 'utf8'),
      grpc_status: block.grpcStatus === undefined ? null : { status: block.grpcStatus },
      // Envoy copies details into %RESPONSE_CODE_DETAILS%, where spaces are not allowed.
      details: `ctxproc_blocked_by_${block.rule}`.replace(/\s/g, '_'),
    },
  };
  // immediate_response is field 7, so the encoded dynamic_metadata (field 8) follows it, as in phaseReply.
  const reply = encodeResponse(message);
  return metadata ? Buffer.concat([reply, metadata]) : reply;
}
