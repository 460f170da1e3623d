// The session's decoder of ProcessingRequest. Envoy sends every header value
// as raw_value bytes, and protobufjs turns each header into a HeaderValue
// object holding a Buffer view, which the session then turns into a
// [name, value] string pair. Header maps are most of what a headers-only
// transaction carries, so this decoder reads them straight into string
// pairs (HeaderMap.pairs) and leaves the other fields to protobufjs.
import protobuf from 'protobufjs';
import type { HeaderList } from '../model/exchange.js';
import { root } from './codec.js';
import { commonHeaderName, commonMethod } from './header-names.js';
import type { HeaderMap, ProcessingRequest, RequestKind, Struct } from './messages.js';

const HttpBodyType = root.lookupType('envoy.service.ext_proc.v3.HttpBody');
const MetadataType = root.lookupType('envoy.config.core.v3.Metadata');
const ProtocolConfigurationType = root.lookupType('envoy.service.ext_proc.v3.ProtocolConfiguration');
const StructType = root.lookupType('google.protobuf.Struct');

/** Protobuf wire types (encoding guide, "Message Structure"). */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** ProcessingRequest's oneof `request` members by field number, in proto order. */
const REQUEST_KINDS: Array<RequestKind | undefined> = [
  undefined, undefined, 'request_headers', 'response_headers', 'request_body', 'response_body', 'request_trailers', 'response_trailers',
];

/**
 * Decodes one ProcessingRequest. Header maps come back with `pairs` set and
 * `headers` empty; every other field is as protobufjs decodes it. Throws on
 * truncated or malformed bytes, as protobufjs does.
 */
export function decodeSessionRequest(bytes: Buffer): ProcessingRequest {
  const reader = protobuf.Reader.create(bytes);
  const message: ProcessingRequest = {};

  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const kind = REQUEST_KINDS[field];
    if (kind !== undefined && (tag & 7) === LENGTH_DELIMITED) {
      setRequest(message, kind, readRequestMember(reader, bytes, field));
      continue;
    }
    readOtherField(reader, message, tag);
  }
  return message;
}

/** proto3 oneof: the member read last is the one set, whatever came before it. */
function setRequest(message: ProcessingRequest, kind: RequestKind, value: object): void {
  if (message.request !== undefined) {
    delete message[message.request];
  }
  message.request = kind;
  (message as Record<string, unknown>)[kind] = value;
}

function readRequestMember(reader: protobuf.Reader, bytes: Buffer, field: number): object {
  const end = messageEnd(reader);
  switch (field) {
    case 2:
    case 3:
      return readHttpHeaders(reader, bytes, end);
    case 6:
    case 7:
      return { trailers: readFirstHeaderMap(reader, bytes, end) };
    default:
      return HttpBodyType.decode(reader, end - reader.pos);
  }
}

/** HttpHeaders: headers = 1 (HeaderMap), end_of_stream = 3; the deprecated attributes = 2 is skipped. */
function readHttpHeaders(reader: protobuf.Reader, bytes: Buffer, end: number): { headers: HeaderMap | null; end_of_stream: boolean } {
  const result: { headers: HeaderMap | null; end_of_stream: boolean } = { headers: null, end_of_stream: false };

  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | LENGTH_DELIMITED)) {
      result.headers = readHeaderMap(reader, bytes, messageEnd(reader));
    } else if (tag === ((3 << 3) | VARINT)) {
      result.end_of_stream = reader.bool();
    } else {
      reader.skipType(tag & 7);
    }
  }
  return result;
}

/** HttpTrailers: trailers = 1 (HeaderMap). */
function readFirstHeaderMap(reader: protobuf.Reader, bytes: Buffer, end: number): HeaderMap | null {
  let map: HeaderMap | null = null;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | LENGTH_DELIMITED)) {
      map = readHeaderMap(reader, bytes, messageEnd(reader));
    } else {
      reader.skipType(tag & 7);
    }
  }
  return map;
}

/**
 * HeaderMap: repeated HeaderValue headers = 1. A HeaderMap that occurs twice
 * replaces the first, as protobufjs's decoder does it.
 */
function readHeaderMap(reader: protobuf.Reader, bytes: Buffer, end: number): HeaderMap {
  const pairs: HeaderList = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | LENGTH_DELIMITED)) {
      pairs.push(readHeaderValue(reader, bytes, messageEnd(reader)));
    } else {
      reader.skipType(tag & 7);
    }
  }
  return { headers: [], pairs };
}

/**
 * HeaderValue: key = 1, value = 2, raw_value = 3. Envoy sends values only in
 * raw_value since 1.27, so `value` is skipped, as readHeaderMap in
 * src/session/headers.ts skips it. Values are read as UTF-8.
 */
function readHeaderValue(reader: protobuf.Reader, bytes: Buffer, end: number): [string, string] {
  let key = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | LENGTH_DELIMITED)) {
      key = readShared(reader, bytes, commonHeaderName);
    } else if (tag === ((3 << 3) | LENGTH_DELIMITED)) {
      value = key === ':method' ? readShared(reader, bytes, commonMethod) : readUtf8(reader, bytes);
    } else {
      reader.skipType(tag & 7);
    }
  }
  return [key, value];
}

function readOtherField(reader: protobuf.Reader, message: ProcessingRequest, tag: number): void {
  const field = tag >>> 3;
  const wireType = tag & 7;
  if (field === 8 && wireType === LENGTH_DELIMITED) {
    message.metadata_context = MetadataType.decode(reader, reader.uint32()) as ProcessingRequest['metadata_context'];
  } else if (field === 9 && wireType === LENGTH_DELIMITED) {
    readAttributeEntry(reader, (message.attributes ??= {}));
  } else if (field === 10 && wireType === VARINT) {
    message.observability_mode = reader.bool();
  } else if (field === 11 && wireType === LENGTH_DELIMITED) {
    message.protocol_config = ProtocolConfigurationType.decode(reader, reader.uint32()) as ProcessingRequest['protocol_config'];
  } else {
    reader.skipType(wireType);
  }
}

/** Reads one entry of map<string, google.protobuf.Struct> attributes: key = 1, value = 2. */
function readAttributeEntry(reader: protobuf.Reader, attributes: Record<string, Struct>): void {
  const end = messageEnd(reader);
  let key = '';
  // protobufjs leaves an entry without a value as null; the session skips it.
  let value: Struct | null = null;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | LENGTH_DELIMITED)) {
      key = reader.string();
    } else if (tag === ((2 << 3) | LENGTH_DELIMITED)) {
      value = StructType.decode(reader, reader.uint32()) as Struct;
    } else {
      reader.skipType(tag & 7);
    }
  }
  attributes[key] = value as Struct;
}

/** Reads a length prefix and returns where the field ends; throws when it runs past the message. */
function messageEnd(reader: protobuf.Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) {
    throw new RangeError(`field of ${length} bytes at offset ${reader.pos} runs past the end of the ${reader.len}-byte message`);
  }
  return end;
}

/** Reads a length-delimited string straight from the message bytes, without a Buffer view. */
function readUtf8(reader: protobuf.Reader, bytes: Buffer): string {
  return utf8Until(reader, bytes, messageEnd(reader));
}

function utf8Until(reader: protobuf.Reader, bytes: Buffer, end: number): string {
  const start = reader.pos;
  reader.pos = end;
  return start === end ? '' : (bytes as unknown as Utf8Sliceable).utf8Slice(start, end);
}

/** Reads a length-delimited string, as the shared string `lookUp` finds for its bytes when there is one. */
function readShared(reader: protobuf.Reader, bytes: Buffer, lookUp: (bytes: Uint8Array, start: number, end: number) => string | undefined): string {
  const end = messageEnd(reader);
  const shared = lookUp(bytes, reader.pos, end);
  if (shared === undefined) {
    return utf8Until(reader, bytes, end);
  }
  reader.pos = end;
  return shared;
}

/**
 * Buffer's own UTF-8 slice, which toString('utf8', start, end) calls after
 * checking its arguments; the reader has checked the bounds already.
 */
interface Utf8Sliceable {
  utf8Slice(start: number, end: number): string;
}
