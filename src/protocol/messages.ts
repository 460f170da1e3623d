// TypeScript shapes of the ext_proc messages as protobufjs decodes them with
// keepCase: snake_case fields, bytes as Buffer, enums as numbers, and the
// name of the set oneof member on `request` / `response` / `mutation`.

export interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Buffer | Uint8Array;
}

export interface HeaderValueOption {
  header: HeaderValue;
  append?: { value: boolean } | null;
  append_action?: number;
  keep_empty_value?: boolean;
}

export interface HeaderMap {
  headers?: HeaderValue[];
  /** The headers as [name, value] pairs, values read as UTF-8; set by the session's decoder (request-decoder.ts) instead of `headers`. */
  pairs?: Array<[name: string, value: string]>;
}

export interface HttpHeaders {
  headers?: HeaderMap | null;
  end_of_stream?: boolean;
}

export interface HttpBody {
  body?: Buffer | Uint8Array;
  end_of_stream?: boolean;
  end_of_stream_without_message?: boolean;
  grpc_message_compressed?: boolean;
}

export interface HttpTrailers {
  trailers?: HeaderMap | null;
}

/** google.protobuf.Struct in protobufjs's message form. */
export interface Struct {
  fields?: Record<string, StructValue>;
}

/**
 * google.protobuf.Value. protobufjs ships the well-known types with camelCase
 * field names, whatever keepCase says for our own protos.
 */
export interface StructValue {
  nullValue?: number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: Struct;
  listValue?: { values?: StructValue[] };
  kind?: string;
}

export interface Metadata {
  filter_metadata?: Record<string, Struct>;
}

export interface ProtocolConfiguration {
  request_body_mode?: number;
  response_body_mode?: number;
  send_body_without_waiting_for_header_response?: boolean;
}

export type RequestKind =
  | 'request_headers'
  | 'response_headers'
  | 'request_body'
  | 'response_body'
  | 'request_trailers'
  | 'response_trailers';

export interface ProcessingRequest {
  request?: RequestKind;
  request_headers?: HttpHeaders | null;
  response_headers?: HttpHeaders | null;
  request_body?: HttpBody | null;
  response_body?: HttpBody | null;
  request_trailers?: HttpTrailers | null;
  response_trailers?: HttpTrailers | null;
  metadata_context?: Metadata | null;
  attributes?: Record<string, Struct>;
  observability_mode?: boolean;
  protocol_config?: ProtocolConfiguration | null;
}

export interface HeaderMutation {
  set_headers?: HeaderValueOption[];
  remove_headers?: string[];
}

export interface BodyMutation {
  mutation?: 'body' | 'clear_body' | 'streamed_response';
  body?: Buffer | Uint8Array;
  clear_body?: boolean;
  streamed_response?: { body?: Buffer | Uint8Array; end_of_stream?: boolean } | null;
}

export interface CommonResponse {
  status?: number;
  header_mutation?: HeaderMutation | null;
  body_mutation?: BodyMutation | null;
  trailers?: HeaderMap | null;
  clear_route_cache?: boolean;
}

export interface HeadersResponse {
  response?: CommonResponse | null;
}

export interface BodyResponse {
  response?: CommonResponse | null;
}

export interface TrailersResponse {
  header_mutation?: HeaderMutation | null;
}

export interface ImmediateResponse {
  status?: { code: number } | null;
  headers?: HeaderMutation | null;
  body?: Buffer | Uint8Array;
  grpc_status?: { status: number } | null;
  details?: string;
}

export interface ProcessingMode {
  request_header_mode?: number;
  response_header_mode?: number;
  request_body_mode?: number;
  response_body_mode?: number;
  request_trailer_mode?: number;
  response_trailer_mode?: number;
}

export type ResponseKind =
  | 'request_headers'
  | 'response_headers'
  | 'request_body'
  | 'response_body'
  | 'request_trailers'
  | 'response_trailers'
  | 'immediate_response'
  | 'streamed_immediate_response';

export interface ProcessingResponse {
  response?: ResponseKind;
  request_headers?: HeadersResponse | null;
  response_headers?: HeadersResponse | null;
  request_body?: BodyResponse | null;
  response_body?: BodyResponse | null;
  request_trailers?: TrailersResponse | null;
  response_trailers?: TrailersResponse | null;
  immediate_response?: ImmediateResponse | null;
  streamed_immediate_response?: unknown;
  dynamic_metadata?: Struct | null;
  mode_override?: ProcessingMode | null;
  request_drain?: boolean;
  override_message_timeout?: { seconds?: number | string; nanos?: number } | null;
}

/** ProcessingMode.HeaderSendMode numbers. */
export const HeaderSendMode = { DEFAULT: 0, SEND: 1, SKIP: 2 } as const;

/** ProcessingMode.BodySendMode numbers. */
export const BodySendMode = {
  NONE: 0,
  STREAMED: 1,
  BUFFERED: 2,
  BUFFERED_PARTIAL: 3,
  FULL_DUPLEX_STREAMED: 4,
  GRPC: 5,
} as const;

/** CommonResponse.ResponseStatus numbers. */
export const ResponseStatus = { CONTINUE: 0, CONTINUE_AND_REPLACE: 1 } as const;
