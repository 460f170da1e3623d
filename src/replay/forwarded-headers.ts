// Turns recorded header lists into what Envoy's HTTP connection manager hands
// to its filter chain, ext_proc included: lower-case names, Host moved to
// :authority, hop-by-hop headers removed, and a request id added.
import { randomUUID } from 'node:crypto';

/**
 * Hop-by-hop headers that Envoy's connection manager removes before the
 * filter chain runs (ConnectionManagerUtility::mutateRequestHeaders), so
 * ext_proc never receives them. `te` is handled apart because Envoy keeps its
 * `trailers` token. Envoy keeps `connection` and `upgrade` only for an
 * upgrade listed in upgrade_configs, and replay models a listener with none,
 * so here they always go.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Result of filtering one header list. */
export interface ForwardedHeaders {
  headers: Array<[string, string]>;
  /** Values of the Host headers, in order; usually zero or one. */
  hosts: string[];
  /** Lower-case names that were removed, in order of first appearance. */
  removed: string[];
}

/**
 * Adds `x-request-id` to request headers that lack one, as Envoy's connection
 * manager does before the filter chain with its default generate_request_id
 * (a random UUID version 4, appended after the recorded headers). Recorded
 * ids stay, so a trace can be followed across a replay.
 */
export function withRequestId(headers: Array<[string, string]>): Array<[string, string]> {
  if (!headers.some(([name]) => name === 'x-request-id')) {
    headers.push(['x-request-id', randomUUID()]);
  }
  return headers;
}

/**
 * Lower-cases names, removes hop-by-hop headers and pseudo-headers, keeps
 * only the `trailers` token of `te`, and takes `host` out of the list.
 */
export function forwardedHeaders(recorded: Iterable<readonly [string, string]>): ForwardedHeaders {
  const headers: Array<[string, string]> = [];
  const removed: string[] = [];
  const hosts: string[] = [];

  for (const [rawName, value] of recorded) {
    const name = rawName.toLowerCase();
    if (name === 'host') {
      hosts.push(value);
      continue;
    }
    if (HOP_BY_HOP.has(name) || name.startsWith(':')) {
      noteRemoved(removed, name);
      continue;
    }
    if (name === 'te') {
      keepTrailersToken(headers, removed, value);
      continue;
    }
    headers.push([name, value]);
  }
  return { headers, hosts, removed };
}

// Envoy's sanitizeTEHeader: `te` survives only as `trailers` (RFC 9110
// section 10.1.4 lets a proxy forward that token alone).
function keepTrailersToken(headers: Array<[string, string]>, removed: string[], value: string): void {
  const tokens = value.split(',').map((token) => token.trim().toLowerCase());
  if (tokens.includes('trailers')) {
    headers.push(['te', 'trailers']);
    return;
  }
  noteRemoved(removed, 'te');
}

function noteRemoved(removed: string[], name: string): void {
  if (!removed.includes(name)) {
    removed.push(name);
  }
}

/** Returns the first value of a lower-case header name, or undefined. */
export function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  for (const [key, value] of headers) {
    if (key === name) {
      return value;
    }
  }
  return undefined;
}

/** Sets a lower-case header to one value, at the position of its first entry. */
export function setHeader(headers: Array<[string, string]>, name: string, value: string): void {
  const index = headers.findIndex(([key]) => key === name);
  removeHeader(headers, name);
  if (index === -1) {
    headers.push([name, value]);
    return;
  }
  // Entries before `index` have other names, so removal left it in place.
  headers.splice(index, 0, [name, value]);
}

/** Removes every entry of a lower-case header name. */
export function removeHeader(headers: Array<[string, string]>, name: string): void {
  const rest = headers.filter(([key]) => key !== name);
  headers.length = 0;
  headers.push(...rest);
}

/**
 * Converts text to a byte string: its UTF-8 bytes, one character per byte.
 * The client stores header values this way (latin1), as Node's HTTP stack does.
 */
export function toByteString(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
