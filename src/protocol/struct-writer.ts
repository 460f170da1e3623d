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

/**
 * Sizes of the length-delimited parts, in the order the write pass reads
 * them. The sizing pass records each once, so nested objects are not sized
 * again at every level. That repeated sizing took about a sixth of the
 * session path's time per headers-only transaction. The array is reused
 * across calls, because encoding is synchronous.
 */
const sizes: number[] = [];
let sizeCount = 0;
let nextSize = 0;

/** Returns the Struct encoded as field `fieldNumber` of an enclosing message: tag, length and body. */
export function encodeStructField(fieldNumber: number, object: Record<string, JsonValue>): Buffer {
  // Counted instead of truncated, because setting length to 0 gives the
  // array's memory back and every call would allocate it again.
  sizeCount = 0;
  nextSize = 0;
  const body = sizeStruct(object);
  const tag = (fieldNumber << 3) | LENGTH_DELIMITED;
  const bytes = Buffer.allocUnsafe(varintSize(tag) + varintSize(body) + body);

  let offset = writeVarint(bytes, 0, tag);
  offset = writeVarint(bytes, offset, body);
  offset = writeStruct(bytes, offset, object);
  if (offset !== bytes.length || nextSize !== sizeCount) {
    throw new Error(`Struct encoding wrote ${offset} of ${bytes.length} bytes and read ${nextSize} of ${sizeCount} sizes; the size and write passes disagree`);
  }
  return bytes;
}

/** Returns the size of a Struct's body and records, per entry, its size, its value's size and its key's byte length. */
function sizeStruct(object: Record<string, JsonValue>): number {
  let size = 0;
  for (const key in object) {
    // Each slot is written in order, so the array never has holes.
    const slot = sizeCount;
    sizes[slot] = 0;
    sizes[slot + 1] = 0;
    sizes[slot + 2] = Buffer.byteLength(key);
    sizeCount += 3;
    const valueBytes = sizeValue(object[key]!);
    const entryBytes = lengthDelimitedSize(1, sizes[slot + 2]!) + lengthDelimitedSize(1, valueBytes);
    sizes[slot] = entryBytes;
    sizes[slot + 1] = valueBytes;
    size += lengthDelimitedSize(1, entryBytes);
  }
  return size;
}

/** Returns the size of a Value message; records a string's byte length, or a list's or struct's body size. */
function sizeValue(value: JsonValue): number {
  if (value === null || typeof value === 'boolean') {
    return 2;
  }
  if (typeof value === 'number') {
    return 9;
  }
  if (typeof value === 'string') {
    const length = Buffer.byteLength(value);
    sizes[sizeCount] = length;
    sizeCount += 1;
    return lengthDelimitedSize(1, length);
  }

  const slot = sizeCount;
  sizes[slot] = 0;
  sizeCount += 1;
  const body = Array.isArray(value) ? sizeList(value) : sizeStruct(value);
  sizes[slot] = body;
  return lengthDelimitedSize(1, body);
}

/** Returns the size of a ListValue's body and records each item's Value size before the item's own sizes. */
function sizeList(values: JsonValue[]): number {
  let size = 0;
  for (const value of values) {
    const slot = sizeCount;
    sizes[slot] = 0;
    sizeCount += 1;
    const itemBytes = sizeValue(value);
    sizes[slot] = itemBytes;
    size += lengthDelimitedSize(1, itemBytes);
  }
  return size;
}

function writeStruct(bytes: Buffer, start: number, object: Record<string, JsonValue>): number {
  let offset = start;
  for (const key in object) {
    const entryBytes = sizes[nextSize]!;
    const valueBytes = sizes[nextSize + 1]!;
    const keyBytes = sizes[nextSize + 2]!;
    nextSize += 3;

    offset = writeVarint(bytes, offset, (STRUCT_FIELDS << 3) | LENGTH_DELIMITED);
    offset = writeVarint(bytes, offset, entryBytes);
    offset = writeString(bytes, offset, ENTRY_KEY, key, keyBytes);
    offset = writeVarint(bytes, offset, (ENTRY_VALUE << 3) | LENGTH_DELIMITED);
    offset = writeVarint(bytes, offset, valueBytes);
    offset = writeValue(bytes, offset, object[key]!);
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
    const length = sizes[nextSize]!;
    nextSize += 1;
    return writeString(bytes, start, STRING_VALUE, value, length);
  }

  const body = sizes[nextSize]!;
  nextSize += 1;
  if (Array.isArray(value)) {
    let offset = writeVarint(bytes, start, (LIST_VALUE << 3) | LENGTH_DELIMITED);
    offset = writeVarint(bytes, offset, body);
    for (const item of value) {
      const itemBytes = sizes[nextSize]!;
      nextSize += 1;
      offset = writeVarint(bytes, offset, (LIST_VALUES << 3) | LENGTH_DELIMITED);
      offset = writeVarint(bytes, offset, itemBytes);
      offset = writeValue(bytes, offset, item);
    }
    return offset;
  }
  const offset = writeVarint(bytes, writeVarint(bytes, start, (STRUCT_VALUE << 3) | LENGTH_DELIMITED), body);
  return writeStruct(bytes, offset, value);
}

function writeString(bytes: Buffer, start: number, fieldNumber: number, text: string, length: number): number {
  let offset = writeVarint(bytes, start, (fieldNumber << 3) | LENGTH_DELIMITED);
  offset = writeVarint(bytes, offset, length);
  return offset + bytes.write(text, offset, length, 'utf8');
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
