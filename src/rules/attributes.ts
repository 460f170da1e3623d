// The attributes a rule can read, named as Envoy names them so that a
// condition reads the same in Envoy RBAC, Istio and ctxproc. Each has a CEL
// type and the first ext_proc phase in which its value is available. Phase
// inference, the CEL type declarations and the activation all use this table.
import { Phase } from '../model/phase.js';

export interface AttributeSpec {
  /** CEL type of the value. */
  type: string;
  /** First phase in which the value can be known. */
  phase: Phase;
}

const requestHeaders = (type: string): AttributeSpec => ({ type, phase: Phase.RequestHeaders });
const responseHeaders = (type: string): AttributeSpec => ({ type, phase: Phase.ResponseHeaders });
const HEADER_MAP = 'map<string, string>';
const DETECTIONS = 'list<map<string, string>>';
const requestBody = (type: string): AttributeSpec => ({ type, phase: Phase.RequestBody });
const responseBody = (type: string): AttributeSpec => ({ type, phase: Phase.ResponseBody });

/** Attribute roots, their CEL type name, and their fields. */
export const ATTRIBUTES = {
  request: {
    typeName: 'Request',
    fields: {
      method: requestHeaders('string'),
      path: requestHeaders('string'),
      url_path: requestHeaders('string'),
      query: requestHeaders('string'),
      host: requestHeaders('string'),
      scheme: requestHeaders('string'),
      protocol: requestHeaders('string'),
      headers: requestHeaders(HEADER_MAP),
      referer: requestHeaders('string'),
      useragent: requestHeaders('string'),
      id: requestHeaders('string'),
      // Envoy's request.size is the body size, from content-length when the
      // body has not been seen; ctxproc does the same, so it needs only headers.
      size: requestHeaders('int'),
      time: requestHeaders('google.protobuf.Timestamp'),
      // Cookie header pairs by name, the first value winning (RFC 6265, section 5.4, orders duplicates by path, not reliably).
      cookies: requestHeaders(HEADER_MAP),
      body: requestBody('string'),
      // The body parsed as JSON (objects as maps, numbers as double); absent when it is not complete, valid JSON.
      json: requestBody('dyn'),
      // The body as application/x-www-form-urlencoded fields by name, first value winning; absent for other content types.
      form: requestBody(HEADER_MAP),
      trailers: { type: HEADER_MAP, phase: Phase.RequestTrailers },
    },
  },
  response: {
    typeName: 'Response',
    fields: {
      code: responseHeaders('int'),
      headers: responseHeaders(HEADER_MAP),
      size: responseHeaders('int'),
      body: responseBody('string'),
      json: responseBody('dyn'),
      // Response-side findings of the detection engine, such as leaked stack traces.
      detections: responseBody(DETECTIONS),
      trailers: { type: HEADER_MAP, phase: Phase.ResponseTrailers },
    },
  },
  source: {
    typeName: 'Peer',
    fields: { address: requestHeaders('string'), port: requestHeaders('int') },
  },
  destination: {
    typeName: 'Peer',
    fields: { address: requestHeaders('string'), port: requestHeaders('int') },
  },
  connection: {
    typeName: 'Connection',
    fields: {
      mtls: requestHeaders('bool'),
      requested_server_name: requestHeaders('string'),
      tls_version: requestHeaders('string'),
      subject_local_certificate: requestHeaders('string'),
      subject_peer_certificate: requestHeaders('string'),
      dns_san_local_certificate: requestHeaders('string'),
      dns_san_peer_certificate: requestHeaders('string'),
      uri_san_local_certificate: requestHeaders('string'),
      uri_san_peer_certificate: requestHeaders('string'),
      sha256_peer_certificate_digest: requestHeaders('string'),
    },
  },
  // ctxproc's own attributes. matched and tags grow while rules run, so a
  // condition reads what earlier rules added, and the actions of a matched
  // rule also find its own id in matched.
  ctxproc: {
    typeName: 'Ctxproc',
    fields: {
      matched: requestHeaders('list<string>'),
      tags: requestHeaders('map<string, string>'),
      transaction_id: requestHeaders('string'),
    },
  },
} as const satisfies Record<string, { typeName: string; fields: Record<string, AttributeSpec> }>;

/**
 * Roots that are one value rather than a group of fields. `detections` are
 * the request-side findings of the detection engine (class, detector,
 * location, matched); they need the request body, which detectors inspect.
 */
export const VALUE_ROOTS = {
  detections: requestBody(DETECTIONS),
} as const satisfies Record<string, AttributeSpec>;

export type GroupRoot = keyof typeof ATTRIBUTES;
export type ValueRoot = keyof typeof VALUE_ROOTS;
export type AttributeRoot = GroupRoot | ValueRoot;

/** Roots that group fields (request, response, ...). */
export const ATTRIBUTE_ROOTS = Object.keys(ATTRIBUTES) as GroupRoot[];

/** Every root name a condition can read, groups and values. */
export const ROOT_NAMES: readonly AttributeRoot[] = [...ATTRIBUTE_ROOTS, ...(Object.keys(VALUE_ROOTS) as ValueRoot[])];

/** Returns true when name is one of the attribute roots (request, response, detections, ...). */
export function isAttributeRoot(name: string): name is AttributeRoot {
  return Object.hasOwn(ATTRIBUTES, name) || Object.hasOwn(VALUE_ROOTS, name);
}

/** Returns true for a root that is one value, such as detections, rather than a group of fields. */
export function isValueRoot(root: AttributeRoot): root is ValueRoot {
  return Object.hasOwn(VALUE_ROOTS, root);
}

/** Returns the spec of root.field, or undefined when ctxproc does not provide it (always for a value root). */
export function attributeSpec(root: AttributeRoot, field: string): AttributeSpec | undefined {
  if (isValueRoot(root)) {
    return undefined;
  }
  const fields: Record<string, AttributeSpec> = ATTRIBUTES[root].fields;
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** Returns the field names of a root, for messages that list what exists; none for a value root. */
export function attributeFields(root: AttributeRoot): string[] {
  return isValueRoot(root) ? [] : Object.keys(ATTRIBUTES[root].fields);
}

const GROUP_TYPE = new RegExp(`\\b(${[...new Set(Object.values(ATTRIBUTES).map((root) => root.typeName))].join('|')})\\b`);

/**
 * Attributes whose values only Envoy has, so the filter must list them in
 * request_attributes; ctxproc reads every other attribute from headers and
 * bodies. Envoy evaluates the list once per direction and sends it with the
 * first message of that direction.
 */
export const ENVOY_FORWARDED_ATTRIBUTES: readonly string[] = [
  'source.address',
  'source.port',
  'destination.address',
  'destination.port',
  'request.protocol',
  ...Object.keys(ATTRIBUTES.connection.fields).map((field) => `connection.${field}`),
];

/** Returns true when a CEL type contains an attribute group (Request, Peer, ...), which has no JSON form. */
export function mentionsAttributeGroup(type: string): boolean {
  return GROUP_TYPE.test(type);
}
