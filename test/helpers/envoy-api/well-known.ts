// The JSON forms of protobuf's well-known types that Envoy configurations use.
// Each is written in its special proto3 JSON shape rather than as a message
// with fields: a Duration is "1.5s", a UInt32Value is a bare number.
import { describe } from './strict-proto.js';
import { checkScalar } from './scalars.js';

// Seconds with up to nine fractional digits and an "s" suffix (proto3 JSON).
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
// RFC 3339 with a "Z" or numeric offset, as protobuf's Timestamp parser wants.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

const CHECKS: Record<string, (value: unknown) => string | null> = {
  '.google.protobuf.Duration': (value) =>
    typeof value === 'string' && DURATION.test(value) ? null : `expected a duration such as "0.25s", found ${describe(value)}`,
  '.google.protobuf.Timestamp': (value) =>
    typeof value === 'string' && TIMESTAMP.test(value) ? null : `expected an RFC 3339 timestamp, found ${describe(value)}`,
  '.google.protobuf.Struct': (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? null : `expected an object (Struct), found ${describe(value)}`,
  '.google.protobuf.ListValue': (value) => (Array.isArray(value) ? null : `expected a list (ListValue), found ${describe(value)}`),
  '.google.protobuf.Value': (value) => (value === undefined ? 'expected a JSON value' : null),
  '.google.protobuf.FieldMask': (value) => (typeof value === 'string' ? null : `expected a field mask string, found ${describe(value)}`),
  '.google.protobuf.Empty': (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
      ? null
      : `expected {} (Empty), found ${describe(value)}`,
};

/** Tells whether a type (full name with leading dot) has a special JSON form, Any included. */
export function isWellKnown(fullName: string): boolean {
  return fullName === '.google.protobuf.Any' || fullName in WRAPPERS || fullName in CHECKS;
}

/** Returns why value is not the JSON form of the well-known type, or null; Any is checked by the caller. */
export function checkWellKnown(fullName: string, value: unknown): string | null {
  const wrapped = WRAPPERS[fullName];
  if (wrapped) {
    return checkScalar(wrapped, value);
  }
  const check = CHECKS[fullName];
  return check ? check(value) : `no JSON check for ${fullName}`;
}
