// Converts a CEL result into a JSON value for the event. CEL integers are
// bigints, maps may be Map objects, bytes are Uint8Array and timestamps are
// Date, none of which JSON.stringify writes as an analyst would expect.
import { Optional } from '@marcbachmann/cel-js';
import type { FieldValue } from '../model/record.js';

/** Converts value to JSON; throws a TypeError naming the type when it has no JSON form. */
export function toFieldValue(value: unknown): FieldValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      // Beyond 2^53 a JSON number would silently lose digits.
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object':
      return objectValue(value);
    default:
      throw new TypeError(`a CEL value of type ${typeof value} cannot be written to an event`);
  }
}

function objectValue(value: object | null): FieldValue {
  if (value === null) {
    return null;
  }
  if (Array.isArray(value) || value instanceof Set) {
    return Array.from(value, toFieldValue);
  }
  if (value instanceof Map) {
    return Object.fromEntries(Array.from(value, ([key, item]) => [String(key), toFieldValue(item)]));
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (value instanceof Optional) {
    return value.hasValue() ? toFieldValue(value.value()) : null;
  }
  if (value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toFieldValue(item)]));
  }

  // cel-js's Duration and UnsignedInt write themselves as CEL text ("1.5s", "7").
  return String(value);
}
