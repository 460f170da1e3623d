// Responses Envoy makes up itself (sendLocalReply): immediate_response,
// ext_proc errors and timeouts, and the connection manager's own replies.
import { HeaderMap } from './header-map.js';

export interface LocalReplySpec {
  status: number;
  body: Buffer;
  /** Response code details before whitespace replacement. */
  details: string;
  /** Header changes applied before Envoy adds content-length and content-type. */
  mutateHeaders?: (headers: HeaderMap) => void;
}

/** A local reply's response: a header map with `:status`, and the body. */
export interface LocalResponse {
  headers: HeaderMap;
  body: Buffer;
}

/** Replaces each whitespace character with "_", as Envoy's StringUtil::replaceAllEmptySpace does for details. */
export function replaceWhitespace(details: string): string {
  return details.replace(/[ \t\f\v\n\r]/g, '_');
}

/**
 * Builds the response of a local reply the way Envoy's Utility::sendLocalReply
 * does for a plain HTTP request: `:status`, the caller's header changes, then
 * content-length and a text/plain content-type when the body is not empty.
 */
export function buildLocalResponse(spec: LocalReplySpec): LocalResponse {
  const headers = new HeaderMap('response_headers', [[':status', String(spec.status)]]);
  spec.mutateHeaders?.(headers);

  // NOTE: Envoy turns a local reply to a gRPC request into a trailers-only
  // gRPC response (status 200, grpc-status, grpc-message); this client does not.
  if (spec.body.length > 0) {
    headers.set('content-length', String(spec.body.length));
    if (!headers.has('content-type')) {
      headers.set('content-type', 'text/plain');
    }
  }
  return { headers, body: spec.body };
}
