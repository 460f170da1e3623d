// Field selection (a.b), indexing (a[k]) and has(a.b) on run-time values,
// with cel-js 8's results: a missing map key, message field or list index is
// an error for selection and indexing, and false for has().
import type { ASTNode } from '@marcbachmann/cel-js';
import { siteError } from './errors.js';
import { kindOf, mapGet, MESSAGE_FIELDS, toArray } from './values.js';
import type { MapValue } from './values.js';

/** Returns the value at key, or undefined when absent; throws only for a value that cannot be indexed. */
export type Lookup = (container: unknown, key: unknown) => unknown;

/** Builds the lookup of one access node; `unindexable` is thrown for values that have no fields. */
export function lookupFor(node: ASTNode): Lookup {
  const unindexable = siteError(node, 'no_such_key', 'No such key: the value has no fields or elements');
  const outOfBounds = siteError(node, 'index_out_of_bounds', 'No such key: list index out of bounds');
  return (container, key) => {
    switch (kindOf(container)) {
      case 'map':
        return mapGet(container as MapValue, key);
      case 'message':
        return messageField(container as object, key);
      case 'list':
        return listElement(container as unknown[], key, outOfBounds);
      default:
        return unindexable;
    }
  };
}

function messageField(message: object, key: unknown): unknown {
  const fields = MESSAGE_FIELDS.get(message.constructor);
  if (typeof key !== 'string' || fields === undefined || !fields.has(key)) {
    return undefined;
  }
  return (message as Record<string, unknown>)[key];
}

/** Returns a list element; cel-js accepts an int or a double index and fails on anything else. */
function listElement(list: unknown[] | Set<unknown>, key: unknown, outOfBounds: Error): unknown {
  if (typeof key !== 'bigint' && typeof key !== 'number') {
    return undefined;
  }

  const value = toArray(list)[Number(key)];
  if (value === undefined) {
    return outOfBounds;
  }
  return value;
}

/** Returns true when has() finds field on value; a value without fields has none. */
export function hasField(value: unknown, field: string): boolean {
  switch (kindOf(value)) {
    case 'map':
      return mapGet(value as MapValue, field) !== undefined;
    case 'message':
      return messageField(value as object, field) !== undefined;
    default:
      return false;
  }
}
