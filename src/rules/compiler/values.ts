// CEL value semantics over the JavaScript values cel-js uses: string, bigint
// (int), number (double), boolean, null, arrays (list), Map or plain objects
// (map), Date (google.protobuf.Timestamp) and the attribute classes (message
// types). Equality and ordering follow cel-js 8, including its numeric
// equality across int and double.

export type ValueKind = 'string' | 'int' | 'double' | 'bool' | 'null' | 'list' | 'map' | 'timestamp' | 'message' | 'other';

/** Field names of each class registered with cel-js as a message type, by constructor. */
export const MESSAGE_FIELDS = new Map<unknown, ReadonlySet<string>>();

export function kindOf(value: unknown): ValueKind {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'object':
      return objectKind(value);
    default:
      return 'other';
  }
}

function objectKind(value: object | null): ValueKind {
  if (value === null) {
    return 'null';
  }

  const constructor = value.constructor;
  if (constructor === Array || constructor === Set) {
    return 'list';
  }
  if (constructor === Map || constructor === Object || constructor === undefined) {
    return 'map';
  }
  if (constructor === Date) {
    return 'timestamp';
  }
  return MESSAGE_FIELDS.has(constructor) ? 'message' : 'other';
}

/** CEL equality as cel-js computes it at run time; values of different kinds are unequal. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }

  switch (typeof a) {
    // Loose equality compares a bigint and a number by mathematical value.
    case 'bigint':
      return typeof b === 'number' && (a as unknown) == (b as unknown); // eslint-disable-line eqeqeq
    case 'number':
      return typeof b === 'bigint' && (a as unknown) == (b as unknown); // eslint-disable-line eqeqeq
    case 'object':
      return typeof b === 'object' && objectsEqual(a, b);
    default:
      return false;
  }
}

function objectsEqual(a: object | null, b: object | null): boolean {
  const kind = kindOf(a);
  if (kind !== kindOf(b)) {
    return false;
  }

  switch (kind) {
    case 'list':
      return listsEqual(toArray(a as unknown[] | Set<unknown>), toArray(b as unknown[] | Set<unknown>));
    case 'map':
      return mapsEqual(a as MapValue, b as MapValue);
    case 'timestamp':
      return (a as Date).getTime() === (b as Date).getTime();
    default:
      return false;
  }
}

function listsEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (!celEquals(a[i], b[i])) {
      return false;
    }
  }
  return true;
}

export type MapValue = Map<unknown, unknown> | Record<string, unknown>;

function mapsEqual(a: MapValue, b: MapValue): boolean {
  const entriesA = mapEntries(a);
  if (entriesA.length !== mapSize(b)) {
    return false;
  }
  for (const [key, value] of entriesA) {
    const other = mapGet(b, key);
    if (other === undefined || !celEquals(value, other)) {
      return false;
    }
  }
  return true;
}

export function toArray(list: readonly unknown[] | Set<unknown>): readonly unknown[] {
  return Array.isArray(list) ? list : [...(list as Set<unknown>)];
}

export function mapGet(map: MapValue, key: unknown): unknown {
  if (map instanceof Map) {
    return map.get(key);
  }
  return (typeof key === 'string' || typeof key === 'bigint' || typeof key === 'number') && Object.hasOwn(map, String(key)) ? map[String(key)] : undefined;
}

export function mapSize(map: MapValue): number {
  return map instanceof Map ? map.size : Object.keys(map).length;
}

function mapEntries(map: MapValue): Array<[unknown, unknown]> {
  return map instanceof Map ? [...map.entries()] : Object.entries(map);
}

/** Returns the keys of a map or the elements of a list, the range of a comprehension; null for other values. */
export function iterationRange(value: unknown): Iterable<unknown> | null {
  if (Array.isArray(value) || value instanceof Set) {
    return value;
  }
  if (value instanceof Map) {
    return value.keys();
  }
  return kindOf(value) === 'map' ? Object.keys(value as object) : null;
}

const ORDERED_KINDS = new Set<ValueKind>(['bool', 'int', 'double', 'string', 'timestamp']);

/** Returns true when CEL orders the two kinds (same kind, or int and double mixed). */
export function comparable(a: ValueKind, b: ValueKind): boolean {
  if (a === b) {
    return ORDERED_KINDS.has(a);
  }
  return (a === 'int' || a === 'double') && (b === 'int' || b === 'double');
}
