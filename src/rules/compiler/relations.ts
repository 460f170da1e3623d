// Equality, ordering and membership. Equality itself raises no error at run
// time, because values of different kinds are unequal, except int and double, which
// compare by number (cel-js 8). Ordering needs two ordered values of the
// same kind or two numbers.
import type { ASTNode } from '@marcbachmann/cel-js';
import { isError, siteError } from './errors.js';
import type { Closure } from './frame.js';
import { celEquals, comparable, kindOf, mapGet, toArray } from './values.js';
import type { MapValue } from './values.js';

export function compileEquality(op: '==' | '!=', left: Closure, right: Closure): Closure {
  const equal = op === '==';
  return (root) => {
    const a = left(root);
    if (isError(a)) {
      return a;
    }
    const b = right(root);
    if (isError(b)) {
      return b;
    }
    return (a === b || celEquals(a, b)) === equal;
  };
}

export function compileComparison(op: '<' | '<=' | '>' | '>=', node: ASTNode, left: Closure, right: Closure): Closure {
  const noOverload = siteError(node, 'no_such_overload', `no such overload for ${op} on these operand types`);
  const compare = COMPARATORS[op];

  return (root) => {
    const a = left(root);
    if (isError(a)) {
      return a;
    }
    const b = right(root);
    if (isError(b)) {
      return b;
    }
    const sameFastKind = typeof a === typeof b && (typeof a === 'string' || typeof a === 'bigint' || typeof a === 'number');
    if (!sameFastKind && !comparable(kindOf(a), kindOf(b))) {
      return noOverload;
    }
    return compare(a as number, b as number);
  };
}

// JavaScript orders bigint against number, strings by UTF-16 code units and
// Dates by time, which is what cel-js 8 does with these same operators.
export const COMPARATORS: Record<'<' | '<=' | '>' | '>=', (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

export function compileMembership(node: ASTNode, element: Closure, container: Closure): Closure {
  const noOverload = siteError(node, 'no_such_overload', "no such overload for 'in' on this right-hand operand type");

  return (root) => {
    const value = element(root);
    if (isError(value)) {
      return value;
    }
    const collection = container(root);
    if (isError(collection)) {
      return collection;
    }
    if (collection instanceof Map) {
      return collection.get(value) !== undefined;
    }

    const kind = kindOf(collection);
    if (kind === 'map') {
      return mapGet(collection as MapValue, value) !== undefined;
    }
    if (kind === 'list') {
      return listIncludes(toArray(collection as unknown[]), value);
    }
    return noOverload;
  };
}

/** Returns true when list contains an element equal to value under CEL equality. */
export function listIncludes(list: readonly unknown[], value: unknown): boolean {
  for (const item of list) {
    if (item === value || celEquals(value, item)) {
      return true;
    }
  }
  return false;
}
