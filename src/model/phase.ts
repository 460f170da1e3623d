// The six points of an HTTP transaction at which Envoy's ext_proc filter can
// call ctxproc, in the order Envoy sends them within one direction.

/** One ext_proc processing phase. The numeric order is the order of arrival. */
export enum Phase {
  /** Request headers, with pseudo-headers :method, :path, :authority, :scheme. */
  RequestHeaders = 0,
  /** Request body: one buffered message or streamed chunks. */
  RequestBody = 1,
  /** Request trailers; sent only when they exist and the trailer mode is SEND. */
  RequestTrailers = 2,
  /** Response headers, with the :status pseudo-header. */
  ResponseHeaders = 3,
  /** Response body: one buffered message or streamed chunks. */
  ResponseBody = 4,
  /** Response trailers; sent only when they exist and the trailer mode is SEND. */
  ResponseTrailers = 5,
}

export const PHASE_NAMES: Record<Phase, string> = {
  [Phase.RequestHeaders]: 'request_headers',
  [Phase.RequestBody]: 'request_body',
  [Phase.RequestTrailers]: 'request_trailers',
  [Phase.ResponseHeaders]: 'response_headers',
  [Phase.ResponseBody]: 'response_body',
  [Phase.ResponseTrailers]: 'response_trailers',
};

/** True for the three phases of the request direction. */
export function isRequestPhase(phase: Phase): boolean {
  return phase <= Phase.RequestTrailers;
}
