// Checks a YAML or JSON configuration value against a protobuf message type
// the way Envoy's strict config loading does, and more strictly than
// protobufjs's fromObject, which drops unknown keys and coerces types. It
// follows the proto3 JSON mapping: a field may be named in snake_case or in
// lowerCamelCase, 64-bit integers may be strings, enums are names or numbers,
// and well-known types (Any, Duration, Struct, wrappers, ...) have their own
// JSON shapes. An `Any` is resolved through its `@type` and checked in turn.
import protobuf from 'protobufjs';
import { closestName } from './closest-name.js';
import { checkWellKnown, isWellKnown } from './well-known.js';
import { checkScalar } from './scalars.js';

/** One reason a configuration value does not parse as the message type. */
export interface ProtoProblem {
  /** Location in the value, as a JSON-path-like string ($.a.b[0].c). */
  path: string;
  message: string;
}

type JsonObject = Record<string, unknown>;

/** The prefix of every `@type` in an Envoy `Any`. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/**
 * Checks value against the message type named typeName in root and returns
 * every problem found; an empty list means Envoy's parser accepts the value.
 * It reports unknown or duplicated fields, wrong JSON types, out-of-range
 * integers, undefined enum names, two members of one oneof, an `Any` whose
 * `@type` is missing or not loaded, and deprecated fields. It also applies
 * the protoc-gen-validate rules that a shipped file could break by omission:
 * required messages and oneofs, non-empty strings and lists.
 */
export function checkMessage(root: protobuf.Root, typeName: string, value: unknown, path = '$'): ProtoProblem[] {
  const problems: ProtoProblem[] = [];
  const type = root.lookupType(typeName);
  new StrictWalk(root, problems).message(type, value, path);
  return problems;
}

/** Formats problems one per line, for assertion messages. */
export function formatProblems(problems: ProtoProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n');
}

/** Returns the proto3 JSON name of a field: its snake_case name in lowerCamelCase. */
export function jsonName(fieldName: string): string {
  return fieldName.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

class StrictWalk {
  constructor(
    private readonly root: protobuf.Root,
    private readonly problems: ProtoProblem[],
  ) {}

  message(type: protobuf.Type, value: unknown, path: string): void {
    if (isWellKnown(type.fullName)) {
      this.wellKnown(type, value, path);
      return;
    }
    if (!isPlainObject(value)) {
      this.report(path, `expected an object for ${typeLabel(type)}, found ${describe(value)}`);
      return;
    }
    this.fields(type, value, path, new Set());
  }

  private wellKnown(type: protobuf.Type, value: unknown, path: string): void {
    if (type.fullName === '.google.protobuf.Any') {
      this.any(value, path);
      return;
    }
    const problem = checkWellKnown(type.fullName, value);
    if (problem) {
      this.report(path, problem);
    }
  }

  private any(value: unknown, path: string): void {
    if (!isPlainObject(value)) {
      this.report(path, `expected an object with "@type" for google.protobuf.Any, found ${describe(value)}`);
      return;
    }
    const type = this.anyType(value['@type'], path);
    if (!type) {
      return;
    }

    // A well-known type inside an Any keeps its special JSON form under "value".
    if (isWellKnown(type.fullName)) {
      this.unexpectedKeys(value, ['@type', 'value'], path, typeLabel(type));
      this.message(type, value.value, `${path}.value`);
      return;
    }
    this.fields(type, value, path, new Set(['@type']));
  }

  private anyType(typeUrl: unknown, path: string): protobuf.Type | null {
    if (typeof typeUrl !== 'string' || !typeUrl.startsWith(TYPE_URL_PREFIX)) {
      this.report(path, `"@type" must be a string starting with ${TYPE_URL_PREFIX}, found ${describe(typeUrl)}`);
      return null;
    }
    const typeName = typeUrl.slice(TYPE_URL_PREFIX.length);
    const found = this.root.lookup(typeName);
    if (!(found instanceof protobuf.Type)) {
      this.report(`${path}["@type"]`, `type ${typeName} is not a loaded message type; check the spelling or add its .proto file to ENVOY_API_FILES`);
      return null;
    }
    return found;
  }

  private fields(type: protobuf.Type, value: JsonObject, path: string, skipKeys: Set<string>): void {
    const seen = new Map<string, string>();
    const oneofMembers = new Map<string, string>();

    for (const [key, fieldValue] of Object.entries(value)) {
      if (skipKeys.has(key)) {
        continue;
      }
      const field = findField(type, key);
      const fieldPath = `${path}.${key}`;
      if (!field) {
        this.unknownField(type, key, fieldPath);
        continue;
      }
      if (this.duplicate(field, key, seen, fieldPath) || this.oneofConflict(field, oneofMembers, fieldPath)) {
        continue;
      }
      if (field.options?.deprecated === true) {
        this.report(fieldPath, `field ${field.name} of ${typeLabel(type)} is deprecated; use its replacement from the Envoy API reference`);
      }
      this.fieldValue(field, fieldValue, fieldPath);
    }

    this.requiredFields(type, seen, path);
  }

  private unknownField(type: protobuf.Type, key: string, path: string): void {
    const names = type.fieldsArray.map((field) => field.name);
    const suggestion = closestName(key, names);
    const hint = suggestion ? `; did you mean ${suggestion}?` : '';
    this.report(path, `unknown field ${key} in ${typeLabel(type)}${hint}`);
  }

  private duplicate(field: protobuf.Field, key: string, seen: Map<string, string>, path: string): boolean {
    const earlier = seen.get(field.name);
    if (earlier !== undefined) {
      this.report(path, `field ${field.name} is set twice, as ${earlier} and as ${key}`);
      return true;
    }
    seen.set(field.name, key);
    return false;
  }

  private oneofConflict(field: protobuf.Field, members: Map<string, string>, path: string): boolean {
    const oneof = field.partOf;
    if (!oneof) {
      return false;
    }
    const other = members.get(oneof.name);
    if (other !== undefined) {
      this.report(path, `${field.name} and ${other} are members of oneof ${oneof.name}; set only one`);
      return true;
    }
    members.set(oneof.name, field.name);
    return false;
  }

  private requiredFields(type: protobuf.Type, seen: Map<string, string>, path: string): void {
    // On a oneof member, "required" applies only when that member is the one set.
    for (const field of type.fieldsArray) {
      const required = field.options?.['(validate.rules).message.required'] === true && !field.partOf;
      if (required && !seen.has(field.name)) {
        this.report(path, `required field ${field.name} of ${typeLabel(type)} is missing`);
      }
    }
    for (const oneof of type.oneofsArray) {
      const required = oneof.options?.['(validate.required)'] === true;
      if (required && !oneof.fieldsArray.some((member) => seen.has(member.name))) {
        const members = oneof.fieldsArray.map((member) => member.name).join(', ');
        this.report(path, `${typeLabel(type)} needs one of ${members}`);
      }
    }
  }

  private fieldValue(field: protobuf.Field, value: unknown, path: string): void {
    if (value === null && field.resolvedType?.fullName !== '.google.protobuf.Value') {
      this.report(path, `null is not a value for ${field.name}; remove the key to leave it unset`);
      return;
    }
    if (field.map) {
      this.mapValue(field, (field as unknown as protobuf.MapField).keyType, value, path);
      return;
    }
    if (field.repeated) {
      this.repeatedValue(field, value, path);
      return;
    }
    this.singleValue(field, value, path);
  }

  private mapValue(field: protobuf.Field, keyType: string, value: unknown, path: string): void {
    if (!isPlainObject(value)) {
      this.report(path, `expected an object (map) for ${field.name}, found ${describe(value)}`);
      return;
    }
    for (const [key, entry] of Object.entries(value)) {
      const keyProblem = checkScalar(keyType, key, { mapKey: true });
      if (keyProblem) {
        this.report(`${path}.${key}`, `map key: ${keyProblem}`);
      }
      this.singleValue(field, entry, `${path}.${key}`);
    }
  }

  private repeatedValue(field: protobuf.Field, value: unknown, path: string): void {
    if (!Array.isArray(value)) {
      this.report(path, `expected a list for repeated field ${field.name}, found ${describe(value)}`);
      return;
    }
    const minItems = field.options?.['(validate.rules).repeated.min_items'];
    if (typeof minItems === 'number' && value.length < minItems) {
      this.report(path, `${field.name} needs at least ${minItems} item(s), found ${value.length}`);
    }
    value.forEach((item, index) => this.singleValue(field, item, `${path}[${index}]`));
  }

  private singleValue(field: protobuf.Field, value: unknown, path: string): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, value, path);
      return;
    }
    if (resolved instanceof protobuf.Enum) {
      this.enumValue(resolved, value, path);
      return;
    }

    const problem = checkScalar(field.type, value);
    if (problem) {
      this.report(path, `${field.name}: ${problem}`);
      return;
    }
    const minLength = field.options?.['(validate.rules).string.min_len'];
    if (typeof minLength === 'number' && typeof value === 'string' && value.length < minLength) {
      this.report(path, `${field.name} must have at least ${minLength} character(s)`);
    }
  }

  private enumValue(type: protobuf.Enum, value: unknown, path: string): void {
    if (typeof value === 'string' && Object.hasOwn(type.values, value)) {
      return;
    }
    if (typeof value === 'number' && Object.values(type.values).includes(value)) {
      return;
    }
    const names = Object.keys(type.values).join(', ');
    this.report(path, `${describe(value)} is not a value of enum ${type.name}; expected one of ${names}`);
  }

  private unexpectedKeys(value: JsonObject, allowed: string[], path: string, label: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.report(`${path}.${key}`, `unknown field ${key} in an Any holding ${label}; only "@type" and "value" are allowed`);
      }
    }
  }

  private report(path: string, message: string): void {
    this.problems.push({ path, message });
  }
}

function findField(type: protobuf.Type, key: string): protobuf.Field | undefined {
  return type.fields[key] ?? type.fieldsArray.find((field) => jsonName(field.name) === key);
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeLabel(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, '');
}

/** Describes a JSON value for a message: its type and, when short, the value. */
export function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}
