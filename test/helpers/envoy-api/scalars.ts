// Proto3 JSON rules for scalar fields, as protobuf's JSON parser applies them
// when Envoy loads a YAML or JSON configuration.
import { describe } from './strict-proto.js';

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const SPECIAL_FLOATS = new Set(['NaN', 'Infinity', '-Infinity']);
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Options of a scalar check. */
export interface ScalarOptions {
  /** The value is a map key, which JSON always writes as a string. */
  mapKey?: boolean;
}

/** Returns why value is not valid JSON for the proto scalar type, or null when it is. */
export function checkScalar(protoType: string, value: unknown, options: ScalarOptions = {}): string | null {
  const range = INT_RANGES[protoType];
  if (range) {
    return checkInteger(protoType, value, range);
  }

  switch (protoType) {
    case 'string':
      return typeof value === 'string' ? null : `expected a string, found ${describe(value)}`;
    case 'bool':
      return checkBool(value, options);
    case 'double':
    case 'float':
      return checkFloat(protoType, value);
    case 'bytes':
      return typeof value === 'string' && BASE64.test(value) ? null : `expected base64 text for bytes, found ${describe(value)}`;
    default:
      return `unsupported scalar type ${protoType}`;
  }
}

function checkInteger(protoType: string, value: unknown, [min, max]: [bigint, bigint]): string | null {
  let parsed: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) {
    parsed = BigInt(value);
  } else if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
    parsed = BigInt(value);
  } else {
    return `expected an integer (${protoType}), found ${describe(value)}`;
  }

  if (parsed < min || parsed > max) {
    return `${parsed} is out of range for ${protoType} (${min} to ${max})`;
  }
  return null;
}

function checkBool(value: unknown, options: ScalarOptions): string | null {
  if (typeof value === 'boolean') {
    return null;
  }
  if (options.mapKey && (value === 'true' || value === 'false')) {
    return null;
  }
  return `expected true or false, found ${describe(value)}`;
}

function checkFloat(protoType: string, value: unknown): string | null {
  if (typeof value === 'number') {
    return null;
  }
  if (typeof value === 'string' && (NUMBER_TEXT.test(value) || SPECIAL_FLOATS.has(value))) {
    return null;
  }
  return `expected a number (${protoType}), found ${describe(value)}`;
}
