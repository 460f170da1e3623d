// One reader per attribute, each its own function literal, so every reader's
// property accesses see a single object shape and V8 keeps them monomorphic.
// A generic reader shared by all attributes would see every shape and run
// several times slower. A test checks that the table covers the attribute
// table in attributes.ts.
import { Activation, HOT_VALUES, REQUEST_HEADER_MAP, RESPONSE_HEADER_MAP } from '../activation.js';

/** Reads root.field from an activation; undefined when the value is not known (yet). */
export type AttributeReader = (root: Activation) => unknown;

export const ATTRIBUTE_READERS: Readonly<Record<string, AttributeReader>> = {
  'request.method': (root) => root.request.method,
  'request.path': (root) => root.request.path,
  'request.url_path': (root) => root.request.url_path,
  'request.query': (root) => root.request.query,
  'request.host': (root) => root.request.host,
  'request.scheme': (root) => root.request.scheme,
  'request.protocol': (root) => root.request.protocol,
  'request.headers': requestHeaders,
  'request.referer': (root) => root.request.referer,
  'request.useragent': (root) => root.request.useragent,
  'request.id': (root) => root.request.id,
  'request.size': (root) => root.request.size,
  'request.time': (root) => root.request.time,
  'request.cookies': (root) => root.request.cookies,
  'request.body': (root) => root.request.body,
  'request.json': (root) => root.request.json,
  'request.form': (root) => root.request.form,
  'request.trailers': (root) => root.request.trailers,
  'response.code': (root) => root.response.code,
  'response.headers': responseHeaders,
  'response.size': (root) => root.response.size,
  'response.body': (root) => root.response.body,
  'response.json': (root) => root.response.json,
  'response.detections': (root) => root.response.detections,
  'response.trailers': (root) => root.response.trailers,
  'source.address': (root) => root.source.address,
  'source.port': (root) => root.source.port,
  'destination.address': (root) => root.destination.address,
  'destination.port': (root) => root.destination.port,
  'connection.mtls': (root) => root.connection.mtls,
  'connection.requested_server_name': (root) => root.connection.requested_server_name,
  'connection.tls_version': (root) => root.connection.tls_version,
  'connection.subject_local_certificate': (root) => root.connection.subject_local_certificate,
  'connection.subject_peer_certificate': (root) => root.connection.subject_peer_certificate,
  'connection.dns_san_local_certificate': (root) => root.connection.dns_san_local_certificate,
  'connection.dns_san_peer_certificate': (root) => root.connection.dns_san_peer_certificate,
  'connection.uri_san_local_certificate': (root) => root.connection.uri_san_local_certificate,
  'connection.uri_san_peer_certificate': (root) => root.connection.uri_san_peer_certificate,
  'connection.sha256_peer_certificate_digest': (root) => root.connection.sha256_peer_certificate_digest,
  'ctxproc.matched': (root) => root.ctxproc.matched,
  'ctxproc.tags': (root) => root.ctxproc.tags,
  'ctxproc.transaction_id': (root) => root.ctxproc.transaction_id,
};

/**
 * Reads request.headers, from a field of the activation once the map is
 * built, instead of through the request group's getters. A probe keeps no
 * field, so its getter decides every read.
 */
export function requestHeaders(root: Activation): unknown {
  const cached = root[REQUEST_HEADER_MAP];
  if (cached !== undefined) {
    return cached;
  }

  const headers = root.request.headers;
  if (headers instanceof Map && root instanceof Activation) {
    root[REQUEST_HEADER_MAP] = headers;
  }
  return headers;
}

/** Reads response.headers, from the activation's field once the map is built. */
export function responseHeaders(root: Activation): unknown {
  const cached = root[RESPONSE_HEADER_MAP];
  if (cached !== undefined) {
    return cached;
  }

  const headers = root.response.headers;
  if (headers instanceof Map && root instanceof Activation) {
    root[RESPONSE_HEADER_MAP] = headers;
  }
  return headers;
}

/**
 * Attributes read by a plain property path, each with a case in
 * readHotAttribute(). A fused closure reads these with hotValue() instead
 * of calling the attribute's reader. A fused closure is shared by every
 * condition of its shape, so its reader call reaches many readers and is
 * the slower, megamorphic kind. Adding the header maps, whose getters build
 * the map, made header reads slower instead, so they keep their readers.
 */
export const HOT_ATTRIBUTES: ReadonlyMap<string, number> = new Map([
  ['request.method', 0],
  ['request.path', 1],
  ['request.url_path', 2],
  ['request.host', 3],
  ['request.query', 4],
  ['source.address', 5],
  ['response.code', 6],
]);

/** Reads the attribute numbered id in HOT_ATTRIBUTES; undefined when its value is not known (yet). */
export function readHotAttribute(root: Readonly<Record<string, unknown>>, id: number): unknown {
  const activation = root as unknown as Activation;
  switch (id) {
    case 0:
      return activation.request.method;
    case 1:
      return activation.request.path;
    case 2:
      return activation.request.url_path;
    case 3:
      return activation.request.host;
    case 4:
      return activation.request.query;
    case 5:
      return activation.source.address;
    default:
      return activation.response.code;
  }
}

/**
 * Reads the attribute numbered id in HOT_ATTRIBUTES. The first read in a
 * phase stores all of them in the activation, so later reads are one field
 * load and one array load instead of a switch over two getters each.
 * Together with the string equality closure in fused-relations.ts, this
 * took `source.address == '198.51.100.7'` from 7.5 to 5.2 ns and the
 * method and path test from 24 to 20 ns. Figures are from bench/cel on Node
 * 24 and 2 shared CPUs, with every condition compiled twice and warmed up.
 */
export function hotValue(root: Readonly<Record<string, unknown>>, id: number): unknown {
  const values = (root as { [HOT_VALUES]?: unknown[] })[HOT_VALUES];
  return values !== undefined ? values[id] : firstHotValue(root, id);
}

/**
 * Fills an activation's cache of hot values and returns one of them. The
 * values do not change within a phase, because the session sets the
 * exchange's request, response and source before it runs the rules of a
 * phase, and actions change only the record. A probe activation has no
 * cache, so its getters decide every read, "not known yet" included.
 */
function firstHotValue(root: Readonly<Record<string, unknown>>, id: number): unknown {
  if (!(root instanceof Activation)) {
    return readHotAttribute(root, id);
  }

  const values: unknown[] = [];
  for (let hot = 0; hot < HOT_ATTRIBUTES.size; hot++) {
    values.push(readHotAttribute(root as unknown as Readonly<Record<string, unknown>>, hot));
  }
  root[HOT_VALUES] = values;
  return values[id];
}

/**
 * Builders of the read of one header by a literal name, such as
 * request.headers['user-agent'], for the two header maps. Each builder is
 * its own function literal, so the getter call inside always has the same
 * receiver class and V8 inlines it. The generic read calls the map's
 * reader through a call site that every map shares, which cost a second
 * call. A read returns the value, undefined for a missing header,
 * mapMissing while the map is absent, or the error value that stands for
 * the map, such as a probe's "not known yet" before the response.
 */
export const HEADER_VALUE_READERS: Readonly<Record<string, (name: string, mapMissing: unknown) => (root: Readonly<Record<string, unknown>>) => unknown>> = {
  'request.headers': (name, mapMissing) => (root) => {
    const headers = requestHeaders(root as unknown as Activation);
    if (headers instanceof Map) {
      return headers.get(name) as unknown;
    }
    return headers === undefined ? mapMissing : headers;
  },
  'response.headers': (name, mapMissing) => (root) => {
    const headers = responseHeaders(root as unknown as Activation);
    if (headers instanceof Map) {
      return headers.get(name) as unknown;
    }
    return headers === undefined ? mapMissing : headers;
  },
};
