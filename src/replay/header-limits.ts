// Envoy's connection manager limits on the request headers a client sends.
// Envoy responds to a request over either limit with 431 (a stream reset on
// HTTP/2 for max_headers_count) before any filter runs, so ext_proc never
// sees it and replay skips it.
// Defaults and behaviour from envoyproxy/envoy api/envoy/config/core/v3/
// protocol.proto (max_headers_count) and http_connection_manager.proto
// (max_request_headers_kb).

/** common_http_protocol_options.max_headers_count when unset. */
export const DEFAULT_MAX_HEADERS_COUNT = 100;

/** max_request_headers_kb when unset, in KiB. */
export const DEFAULT_MAX_REQUEST_HEADERS_KB = 60;

/** Envoy listener limits on request headers; unset fields take Envoy's defaults. */
export interface HeaderLimits {
  /** common_http_protocol_options.max_headers_count; Envoy's default is 100. */
  maxHeadersCount?: number;
  /** max_request_headers_kb, in KiB; Envoy's default is 60. */
  maxRequestHeadersKb?: number;
}

/** Reason and explanation for a request that Envoy rejects over a header limit. */
export interface HeaderLimitRejection {
  reason: 'too_many_headers' | 'headers_too_large';
  detail: string;
}

/**
 * Checks the headers a client sent, without pseudo-headers, against Envoy's
 * limits. The size is the sum of name and value lengths, in bytes.
 * NOTE: Envoy's HTTP/2 codec may count pseudo-headers too, so an HTTP/2
 * request up to four headers under a limit may still be rejected by Envoy.
 */
export function checkHeaderLimits(headers: ReadonlyArray<readonly [string, string]>, limits: HeaderLimits = {}): HeaderLimitRejection | undefined {
  const maxCount = limits.maxHeadersCount ?? DEFAULT_MAX_HEADERS_COUNT;
  if (headers.length > maxCount) {
    return {
      reason: 'too_many_headers',
      detail: `the request has ${headers.length} headers, more than max_headers_count ${maxCount}; Envoy responds with 431 (HTTP/1) or resets the stream (HTTP/2) before ext_proc`,
    };
  }

  const maxBytes = (limits.maxRequestHeadersKb ?? DEFAULT_MAX_REQUEST_HEADERS_KB) * 1024;
  let bytes = 0;
  for (const [name, value] of headers) {
    bytes += name.length + value.length;
  }
  if (bytes > maxBytes) {
    return {
      reason: 'headers_too_large',
      detail: `the request headers are ${bytes} bytes, more than max_request_headers_kb (${maxBytes} bytes); Envoy responds with 431 before ext_proc`,
    };
  }
  return undefined;
}
