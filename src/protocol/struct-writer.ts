// Encodes plain JSON objects as a google.protobuf.Struct field, without the
// Struct, Value and writer objects that jsonToStruct and protobufjs build.
// ctxproc sends its decision as dynamic metadata on the first reply of every
// transaction, so this runs once per transaction. The bytes equal
// protobufjs's encoding of jsonToStruct's output.
import type { JsonValue } from './struct.js';

/** Wire types of the encoding guide. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;

/** Struct: map<string, Value> fields = 1, each entry with key = 1 and value = 2. */
const STRUCT_FIELDS = 1;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

/** Value's oneof kind, by field number. */
const NULL_VALUE = 1;
const NUMBER_VALUE = 2;
const STRING_VALUE = 3;
const BOOL_VALUE = 4;
const STRUCT_VALUE = 5;
const LIST_VALUE = 6;

/** ListValue: repeated Value values = 1. */
const LIST_VALUES = 1;

/** Returns the Struct encoded as field `fieldNumber` of an enclosing message: tag, length and body. */
export function encodeStructField(fieldNumber: number, object: Record<string, JsonValue>): Buffer {
  const body = structSize(object);
  const tag = (fieldNumber << 3) | LENGTH_DELIMITED;
  const bytes = Buffer.allocUnsafe(varintSize(tag) + varintSize(body) + body);

  let offset = writeVarint(bytes, 0, tag);
  offset = writeVarint(bytes, offset, body);
  offset = writeStruct(bytes, offset, object);
  if (offset !== bytes.length) {
    throw new Error(`Struct encoding wrote ${offset} of ${bytes.length} bytes; the size and write passes disagree`);
  }
  return bytes;
}

function structSize(object: Record<string, JsonValue>): number {
  let size = 0;
  for (const key in object) {
    size += lengthDelimitedSize(1, entrySize(key, object[key]!));
  }
  return size;
}

function entrySize(key: string, value: JsonValue): number {
  return lengthDelimitedSize(1, Buffer.byteLength(key)) + lengthDelimitedSize(1, valueSize(value));
}

function valueSize(value: JsonValue): number {
  if (value === null || typeof value === 'boolean') {
    return 2;
  }
  if (typeof value === 'number') {
    return 9;
  }
  if (typeof value === 'string') {
    return lengthDelimitedSize(1, Buffer.byteLength(value));
  }
  if (Array.isArray(value)) {
    return lengthDelimitedSize(1, listSize(value));
  }
  return lengthDelimitedSize(1, structSize(value));
}

function listSize(values: JsonValue[]): number {
  let size = 0;
  for (const value of values) {
    size += lengthDelimitedSize(1, valueSize(value));
  }
  return size;
}

function writeStruct(bytes: Buffer, start: number, object: Record<string, JsonValue>): number {
  let offset = start;
  for (const key in object) {
    const value = object[key]!;
    offset = writeVarint(bytes, offset, (STRUCT_FIELDS << 3) | LENGTH_DELIMITED);
    offset = writeVarint(bytes, offset, entrySize(key, value));
    offset = writeString(bytes, offset, ENTRY_KEY, key);
    offset = writeVarint(bytes, offset, (ENTRY_VALUE << 3) | LENGTH_DELIMITED);
    offset = writeVarint(bytes, offset, valueSize(value));
    offset = writeValue(bytes, offset, value);
  }
  return offset;
}

function writeValue(bytes: Buffer, start: number, value: JsonValue): number {
  if (value === null) {
    return writeVarint(bytes, writeVarint(bytes, start, (NULL_VALUE << 3) | VARINT), 0);
  }
  if (typeof value === 'boolean') {
    return writeVarint(bytes, writeVarint(bytes, start, (BOOL_VALUE << 3) | VARINT), value ? 1 : 0);
  }
  if (typeof value === 'number') {
    const offset = writeVarint(bytes, start, (NUMBER_VALUE << 3) | FIXED64);
    return bytes.writeDoubleLE(value, offset);
  }
  if (typeof value === 'string') {
    return writeString(bytes, start, STRING_VALUE, value);
  }
  if (Array.isArray(value)) {
    let offset = writeVarint(bytes, start, (LIST_VALUE << 3) | LENGTH_DELIMITED);
    offset = writeVarint(bytes, offset, listSize(value));
    for (const item of value) {
      offset = writeVarint(bytes, offset, (LIST_VALUES << 3) | LENGTH_DELIMITED);
      offset = writeVarint(bytes, offset, valueSize(item));
      offset = writeValue(bytes, offset, item);
    }
    return offset;
  }
  const offset = writeVarint(bytes, writeVarint(bytes, start, (STRUCT_VALUE << 3) | LENGTH_DELIMITED), structSize(value));
  return writeStruct(bytes, offset, value);
}

function writeString(bytes: Buffer, start: number, fieldNumber: number, text: string): number {
  let offset = writeVarint(bytes, start, (fieldNumber << 3) | LENGTH_DELIMITED);
  offset = writeVarint(bytes, offset, Buffer.byteLength(text));
  return offset + bytes.write(text, offset, 'utf8');
}

/** Size of a field with a one-byte tag (field numbers up to 15) and a body of `length` bytes. */
function lengthDelimitedSize(tagBytes: number, length: number): number {
  return tagBytes + varintSize(length) + length;
}

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value >>> 7; rest !== 0; rest >>>= 7) {
    size += 1;
  }
  return size;
}

function writeVarint(bytes: Buffer, start: number, value: number): number {
  let offset = start;
  let rest = value >>> 0;
  while (rest > 0x7f) {
    bytes[offset] = (rest & 0x7f) | 0x80;
    offset += 1;
    rest >>>= 7;
  }
  bytes[offset] = rest;
  return offset + 1;
}
