// The statuses a block may reply with: the codes of Envoy's
// envoy.type.v3.StatusCode enum (proto/envoy/type/v3/http_status.proto)
// from 200 up, because Envoy turns an immediate-response status below 200
// into 200. A test keeps this list equal to the proto.

export const ENVOY_STATUS_CODES: ReadonlySet<number> = new Set([
  200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
  300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Returns why status cannot be used in a block, or null when it can. */
export function statusProblem(status: number): string | null {
  if (ENVOY_STATUS_CODES.has(status)) {
    return null;
  }

  const sameClass = [...ENVOY_STATUS_CODES].filter((code) => Math.floor(code / 100) === Math.floor(status / 100));
  const choices = sameClass.length > 0 ? sameClass : [...ENVOY_STATUS_CODES];
  return `invalid block status ${status}: Envoy's StatusCode enum does not define it; use one of ${choices.join(', ')}`;
}
