// Shared strings for the header names most HTTP messages carry. Every
// header name would otherwise be a new string per message, and a
// transaction keeps its header lists until it ends, so under load those
// strings outlive V8's young generation and are promoted. A name found here
// costs a few byte comparisons instead of a string.
const COMMON_NAMES: readonly string[] = [
  // HTTP/2 pseudo-headers (RFC 9113, section 8.3), which Envoy sends first.
  ':authority', ':method', ':path', ':scheme', ':status',
  // Request headers.
  'accept', 'accept-encoding', 'accept-language', 'authorization', 'cache-control', 'content-length', 'content-type',
  'cookie', 'host', 'if-modified-since', 'if-none-match', 'origin', 'pragma', 'referer', 'te', 'traceparent', 'tracestate',
  'user-agent', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'x-request-id',
  'x-envoy-expected-rq-timeout-ms', 'x-envoy-internal', 'x-envoy-attempt-count', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled',
  // Response headers.
  'age', 'content-encoding', 'date', 'etag', 'expires', 'last-modified', 'location', 'server', 'set-cookie', 'vary',
  'strict-transport-security', 'x-content-type-options', 'x-envoy-upstream-service-time',
];

/** Names by their length, first byte and last byte, which tell almost all of them apart. */
const NAMES_BY_SHAPE = new Map<number, Array<{ name: string; bytes: Buffer }>>();
for (const name of COMMON_NAMES) {
  const bytes = Buffer.from(name, 'latin1');
  const key = shapeKey(bytes.length, bytes[0]!, bytes[bytes.length - 1]!);
  const candidates = NAMES_BY_SHAPE.get(key) ?? [];
  candidates.push({ name, bytes });
  NAMES_BY_SHAPE.set(key, candidates);
}

function shapeKey(length: number, first: number, last: number): number {
  return length * 65_536 + first * 256 + last;
}

/** Returns the shared string for the header name in bytes[start, end), or undefined when it is not a common name. */
export function commonHeaderName(bytes: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  if (length === 0) {
    return undefined;
  }
  const candidates = NAMES_BY_SHAPE.get(shapeKey(length, bytes[start]!, bytes[end - 1]!));
  if (candidates === undefined) {
    return undefined;
  }
  for (const candidate of candidates) {
    if (sameBytes(candidate.bytes, bytes, start)) {
      return candidate.name;
    }
  }
  return undefined;
}

function sameBytes(expected: Buffer, bytes: Uint8Array, start: number): boolean {
  for (let index = 1; index < expected.length - 1; index += 1) {
    if (expected[index] !== bytes[start + index]) {
      return false;
    }
  }
  return true;
}
