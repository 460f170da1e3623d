// Builds random ext_proc ProcessingRequest objects by walking the message
// types of the project's protos, so that every field and every oneof member
// is reached, including the nested Envoy and well-known types.
import type protobuf from 'protobufjs';
import { ProcessingRequestType } from '../../src/protocol/codec.js';
import type { Random } from './random.js';

/** Nesting depth past which optional message fields are left unset, so a generated message stays small. */
const MAX_DEPTH = 5;

/** Header names and values that reach ctxproc's header, cookie and redaction code. */
const HEADER_NAMES = [':method', ':path', ':authority', ':scheme', ':status', 'host', 'cookie', 'set-cookie', 'authorization', 'content-type', 'content-length', 'x-request-id', 'x-forwarded-for', 'user-agent', 'traceparent', 'x-api-key', 'transfer-encoding', '', 'X-Upper', 'bad header\u0000'];

const HEADER_VALUES = ['GET', 'POST', '/', '/a?token=secret&x=1', 'shop.example', 'https', '200', '404', 'abc', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'Basic dXNlcjpwYXNz', 'session=1; theme=dark', 'application/json', '4111 1111 1111 1111', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '', '\u00ff\u00fe', '%zz', '1.2.3.4, 5.6.7.8'];

const STRING_POOL = [...HEADER_NAMES, ...HEADER_VALUES, 'envoy.filters.http.ext_proc', 'ctxproc', 'source.address', 'request.id', 'x'.repeat(300), '\ud800', '😀'];

const EDGE_INTEGERS = [0, 1, -1, 2, 127, 128, 255, 65535, 2147483647, -2147483648, 4294967295];

/** Fills a random instance of `type`: each field set with some probability, oneofs with one member, sometimes several or none. */
export function randomMessage(type: protobuf.Type, random: Random, depth = 0): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  const oneofMembers = new Set<string>();

  for (const oneof of type.oneofsArray) {
    const count = random.chance(0.8) ? 1 : random.below(3);
    for (let i = 0; i < count; i += 1) {
      oneofMembers.add(random.pick(oneof.fieldsArray).name);
    }
  }

  for (const field of type.fieldsArray) {
    if (field.partOf) {
      if (!oneofMembers.has(field.name)) {
        continue;
      }
    } else if (!random.chance(depth === 0 ? 0.5 : 0.35)) {
      continue;
    }
    const value = randomField(field, random, depth);
    if (value !== undefined) {
      message[field.name] = value;
    }
  }
  return message;
}

function randomField(field: protobuf.Field, random: Random, depth: number): unknown {
  field.resolve();

  if (field.map) {
    const entries: Record<string, unknown> = {};
    const count = random.length(4);
    for (let i = 0; i < count; i += 1) {
      entries[random.pick(STRING_POOL)] = randomScalarOrMessage(field, random, depth);
    }
    return entries;
  }
  if (field.repeated) {
    const count = random.length(depth <= 2 ? 12 : 3);
    const values = [];
    for (let i = 0; i < count; i += 1) {
      values.push(randomScalarOrMessage(field, random, depth));
    }
    return values;
  }
  return randomScalarOrMessage(field, random, depth);
}

function randomScalarOrMessage(field: protobuf.Field, random: Random, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved && 'fieldsArray' in resolved) {
    return depth >= MAX_DEPTH ? {} : randomMessage(resolved as protobuf.Type, random, depth + 1);
  }
  if (resolved && 'values' in resolved) {
    // An enum number that the proto does not define is valid on the wire.
    const defined = Object.values((resolved as protobuf.Enum).values);
    return random.chance(0.9) ? random.pick(defined) : random.pick(EDGE_INTEGERS);
  }
  return randomScalar(field.type, random);
}

function randomScalar(type: string, random: Random): unknown {
  switch (type) {
    case 'string':
      return random.chance(0.8) ? random.pick(STRING_POOL) : random.bytes(random.length(64)).toString('latin1');
    case 'bytes':
      return random.chance(0.5) ? Buffer.from(random.pick(HEADER_VALUES)) : random.bytes(random.length(4096));
    case 'bool':
      return random.chance(0.5);
    case 'double':
    case 'float':
      return random.pick([0, -0, 1.5, -1e308, 1e308, Number.NaN, Number.POSITIVE_INFINITY]);
    case 'uint32':
    case 'fixed32':
    case 'uint64':
    case 'fixed64':
      return Math.abs(random.pick(EDGE_INTEGERS));
    default:
      return random.pick(EDGE_INTEGERS);
  }
}

/** Encodes a plain ProcessingRequest object; fromObject drops nothing a wire message could carry. */
export function encodeObject(message: Record<string, unknown>): Buffer {
  return Buffer.from(ProcessingRequestType.encode(ProcessingRequestType.fromObject(message)).finish());
}

export { ProcessingRequestType };
