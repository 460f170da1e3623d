// Conversions between plain JSON values and google.protobuf.Struct as
// protobufjs represents it, for attributes in and dynamic metadata out.
import type { Struct, StructValue } from './messages.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Converts a protobufjs Struct to a plain object. */
export function structToJson(struct: Struct | null | undefined): Record<string, JsonValue> {
  const result: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) {
    result[key] = valueToJson(value);
  }
  return result;
}

/** A map entry without a value decodes as null; proto3 reads it as an empty Value, which is JSON null. */
function valueToJson(value: StructValue | null | undefined): JsonValue {
  if (!value) {
    return null;
  }
  switch (value.kind) {
    case 'numberValue':
      return value.numberValue ?? 0;
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'structValue':
      return structToJson(value.structValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

/** Converts a plain object to a Struct that protobufjs can encode. */
export function jsonToStruct(object: Record<string, JsonValue>): Struct {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(object)) {
    fields[key] = jsonToValue(value);
  }
  return { fields };
}

function jsonToValue(value: JsonValue): StructValue {
  if (value === null) {
    return { nullValue: 0 };
  }
  if (typeof value === 'number') {
    return { numberValue: value };
  }
  if (typeof value === 'string') {
    return { stringValue: value };
  }
  if (typeof value === 'boolean') {
    return { boolValue: value };
  }
  if (Array.isArray(value)) {
    return { listValue: { values: value.map(jsonToValue) } };
  }
  return { structValue: jsonToStruct(value) };
}
