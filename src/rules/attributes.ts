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
      body: { type: 'string', phase: Phase.RequestBody },
      trailers: { type: HEADER_MAP, phase: Phase.RequestTrailers },
    },
  },
  response: {
    typeName: 'Response',
    fields: {
      code: responseHeaders('int'),
      headers: responseHeaders(HEADER_MAP),
      size: responseHeaders('int'),
      body: { type: 'string', phase: Phase.ResponseBody },
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

export type AttributeRoot = keyof typeof ATTRIBUTES;

export const ATTRIBUTE_ROOTS = Object.keys(ATTRIBUTES) as AttributeRoot[];

/** Returns true when name is one of the attribute roots (request, response, ...). */
export function isAttributeRoot(name: string): name is AttributeRoot {
  return Object.hasOwn(ATTRIBUTES, name);
}

/** Returns the spec of root.field, or undefined when ctxproc does not provide it. */
export function attributeSpec(root: AttributeRoot, field: string): AttributeSpec | undefined {
  const fields: Record<string, AttributeSpec> = ATTRIBUTES[root].fields;
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** Returns the field names of a root, for messages that list what exists. */
export function attributeFields(root: AttributeRoot): string[] {
  return Object.keys(ATTRIBUTES[root].fields);
}

const GROUP_TYPE = new RegExp(`\\b(${[...new Set(Object.values(ATTRIBUTES).map((root) => root.typeName))].join('|')})\\b`);

/** Returns true when a CEL type contains an attribute group (Request, Peer, ...), which has no JSON form. */
export function mentionsAttributeGroup(type: string): boolean {
  return GROUP_TYPE.test(type);
}
