// Shared strings for the header names and methods most HTTP messages carry. Every
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

/** HTTP methods of RFC 9110 section 9 and PATCH (RFC 5789). */
const METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** Strings by their length, first byte and last byte, which tell almost all of them apart. */
type ShapeTable = Map<number, Array<{ text: string; bytes: Buffer }>>;

const NAMES_BY_SHAPE = shapeTable(COMMON_NAMES);
const METHODS_BY_SHAPE = shapeTable(METHODS);

function shapeTable(texts: readonly string[]): ShapeTable {
  const table: ShapeTable = new Map();
  for (const text of texts) {
    const bytes = Buffer.from(text, 'latin1');
    const key = shapeKey(bytes.length, bytes[0]!, bytes[bytes.length - 1]!);
    const candidates = table.get(key) ?? [];
    candidates.push({ text, bytes });
    table.set(key, candidates);
  }
  return table;
}

function shapeKey(length: number, first: number, last: number): number {
  return length * 65_536 + first * 256 + last;
}

/**
 * Returns the shared string for the header name in bytes[start, end), or
 * undefined when it is not a common name. The shared strings are source
 * literals, which V8 internalises, so === and Map.get against the rule
 * compiler's internalised literals compare them by pointer.
 */
export function commonHeaderName(bytes: Uint8Array, start: number, end: number): string | undefined {
  return lookUp(NAMES_BY_SHAPE, bytes, start, end);
}

/** Returns the shared string for the HTTP method in bytes[start, end), or undefined when it is not a standard method. */
export function commonMethod(bytes: Uint8Array, start: number, end: number): string | undefined {
  return lookUp(METHODS_BY_SHAPE, bytes, start, end);
}

function lookUp(table: ShapeTable, bytes: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  if (length === 0) {
    return undefined;
  }
  const candidates = table.get(shapeKey(length, bytes[start]!, bytes[end - 1]!));
  if (candidates === undefined) {
    return undefined;
  }
  for (const candidate of candidates) {
    if (sameBytes(candidate.bytes, bytes, start)) {
      return candidate.text;
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
