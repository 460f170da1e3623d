// Builds the Exchange the server would hold for a replayed request and its
// upstream response, for measuring detectors without a server.
import type { HttpRequestSpec, HttpResponseSpec } from '../../client/types.js';
import type { BodyCapture, Exchange } from '../../model/exchange.js';

/** Returns the facts of one transaction, as the session records them. */
export function exchangeOf(request: HttpRequestSpec, response: HttpResponseSpec | null): Exchange {
  const queryStart = request.path.indexOf('?');
  return {
    id: 'corpus',
    startTimeMs: 0,
    startNs: 0n,
    endNs: null,
    request: {
      method: request.method,
      path: request.path,
      url_path: queryStart === -1 ? request.path : request.path.slice(0, queryStart),
      query: queryStart === -1 ? '' : request.path.slice(queryStart + 1),
      host: request.authority,
      scheme: request.scheme,
      headers: request.authority === '' ? request.headers : [['host', request.authority], ...request.headers],
      body: captureOf(request.body),
      trailers: null,
    },
    response: response === null ? null : { code: response.status, headers: response.headers, body: captureOf(response.body), trailers: null },
    source: null,
    destination: null,
    attributes: {},
  };
}

function captureOf(body: Buffer | undefined): BodyCapture | null {
  if (body === undefined) {
    return null;
  }
  return { bytes: body, size: body.length, truncated: false, complete: true };
}
