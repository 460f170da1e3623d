// A header map that behaves like Envoy's HeaderMapImpl where ext_proc
// mutations can tell the difference. Pseudo-headers stay in front, and `set`
// replaces every entry of a name. `append` on one of Envoy's inline headers
// joins the values instead of adding an entry.
//
// Values are byte strings held as latin1 JavaScript strings, one character per
// byte, so raw_value bytes survive the round trip unchanged. Node's HTTP stack
// writes header strings as latin1 too.
import type { HeaderMap as ProtoHeaderMap, HeaderValue } from '../protocol/messages.js';
import type { HeaderList } from './types.js';

/** The Envoy header map type a map plays. Each type has its own inline headers. */
export type HeaderMapKind = 'request_headers' | 'response_headers' | 'request_trailers' | 'response_trailers';

const REQUEST_AND_RESPONSE_INLINE = [
  'connection',
  'content-type',
  'x-envoy-decorator-operation',
  'keep-alive',
  'proxy-connection',
  'proxy-status',
  'x-request-id',
  'transfer-encoding',
  'upgrade',
  'via',
  'content-length',
  'x-envoy-attempt-count',
];

const REQUEST_ONLY_INLINE = [
  'x-client-trace-id',
  'x-envoy-downstream-service-cluster',
  'x-envoy-downstream-service-node',
  'x-envoy-external-address',
  'x-envoy-force-trace',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-internal',
  'x-envoy-ip-tags',
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-original-path',
  'x-envoy-original-url',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-timeout-alt-response',
  'expect',
  'x-forwarded-client-cert',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'grpc-timeout',
  ':authority',
  ':method',
  ':path',
  ':protocol',
  ':scheme',
  'te',
  'user-agent',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-max-retries',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-stream-duration-ms',
];

const RESPONSE_ONLY_INLINE = [
  'date',
  'x-envoy-degraded',
  'x-envoy-immediate-health-check-fail',
  'x-envoy-ratelimited',
  'x-envoy-upstream-canary',
  'x-envoy-upstream-healthchecked-cluster',
  'location',
  'server',
  'x-envoy-upstream-service-time',
  ':status',
];

const RESPONSE_TRAILER_INLINE = ['grpc-status', 'grpc-message'];

// NOTE: these are the inline headers Envoy's header_map_impl.h always
// defines. Extensions and bootstrap `inline_headers` can register more
// (authorization, cookie, ...); for those Envoy also joins appended values,
// while this map adds a separate entry.
const INLINE_HEADERS: Record<HeaderMapKind, ReadonlySet<string>> = {
  request_headers: new Set([...REQUEST_AND_RESPONSE_INLINE, ...REQUEST_ONLY_INLINE]),
  response_headers: new Set([...REQUEST_AND_RESPONSE_INLINE, ...RESPONSE_ONLY_INLINE, ...RESPONSE_TRAILER_INLINE]),
  request_trailers: new Set(),
  response_trailers: new Set(RESPONSE_TRAILER_INLINE),
};

function isPseudoHeader(name: string): boolean {
  return name.startsWith(':');
}

/** Decodes a header value's bytes one byte per character. */
export function bytesToHeaderValue(bytes: Uint8Array | undefined): string {
  if (bytes === undefined || bytes.length === 0) {
    return '';
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export class HeaderMap {
  readonly kind: HeaderMapKind;
  private entries: Array<[string, string]>;

  constructor(kind: HeaderMapKind, entries: HeaderList = []) {
    this.kind = kind;
    this.entries = entries.map(([name, value]) => [name, value]);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Sum of name and value lengths in bytes, as Envoy's byteSize(). */
  byteSize(): number {
    let total = 0;
    for (const [name, value] of this.entries) {
      total += name.length + value.length;
    }
    return total;
  }

  /** Returns every value of `name`, in order. */
  get(name: string): string[] {
    return this.entries.filter(([entryName]) => entryName === name).map(([, value]) => value);
  }

  first(name: string): string | undefined {
    return this.entries.find(([entryName]) => entryName === name)?.[1];
  }

  has(name: string): boolean {
    return this.entries.some(([entryName]) => entryName === name);
  }

  remove(name: string): void {
    this.entries = this.entries.filter(([entryName]) => entryName !== name);
  }

  /** Replaces every entry of `name` by one entry, added where a new header goes (Envoy's setCopy). */
  set(name: string, value: string): void {
    this.remove(name);
    this.insert(name, value);
  }

  /**
   * Adds a value (Envoy's addCopy). For an inline header that already exists
   * Envoy appends to the existing value with "," ("; " for cookie).
   */
  append(name: string, value: string): void {
    const index = this.entries.findIndex(([entryName]) => entryName === name);
    if (index >= 0 && INLINE_HEADERS[this.kind].has(name)) {
      const delimiter = name === 'cookie' ? '; ' : ',';
      const existing = this.entries[index]![1];
      this.entries[index] = [name, existing === '' ? value : `${existing}${delimiter}${value}`];
      return;
    }
    this.insert(name, value);
  }

  /** Pseudo-headers go after the last pseudo-header, others at the end, as in Envoy's HeaderList. */
  private insert(name: string, value: string): void {
    if (!isPseudoHeader(name)) {
      this.entries.push([name, value]);
      return;
    }
    let position = 0;
    while (position < this.entries.length && isPseudoHeader(this.entries[position]![0])) {
      position += 1;
    }
    this.entries.splice(position, 0, [name, value]);
  }

  /** Returns all entries, pseudo-headers included. */
  list(): HeaderList {
    return this.entries.map(([name, value]) => [name, value]);
  }

  /** Entries without pseudo-headers, as an HTTP/1 peer would see them. */
  regularHeaders(): HeaderList {
    return this.entries.filter(([name]) => !isPseudoHeader(name)).map(([name, value]) => [name, value]);
  }

  /** Encodes the map as Envoy does: values only in raw_value, `value` left empty. */
  toProto(): ProtoHeaderMap {
    const headers: HeaderValue[] = this.entries.map(([name, value]) => ({
      key: name,
      raw_value: Buffer.from(value, 'latin1'),
    }));
    return { headers };
  }
}
