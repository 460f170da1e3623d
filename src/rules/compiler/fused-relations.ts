// Single closures for an operand compared with a literal, an operand tested
// against a literal list, and a literal key tested against a map. Each reads
// its operand once and decides the common case, an operand of the literal's
// own JavaScript type, with one operator. Everything else (an absent value,
// an error, int against double, a value of another kind) goes to a slow path
// that gives the unfused closures' result. polarity false builds the
// negation, so `!(a in b)` costs no extra call.
import type { ASTNode } from '@marcbachmann/cel-js';
import { isError, siteError } from './errors.js';
import type { CompiledEvaluationError } from './errors.js';
import type { Closure } from './frame.js';
import { closureElementTest, ElementTest, StringTest } from './element-tests.js';
import { hotValue } from './attribute-readers.js';
import { fusedIntOrdering } from './fused-int-ordering.js';
import { finishLogical } from './logic.js';
import type { LogicalTail } from './logic.js';
import type { Operand } from './operands.js';
import { COMPARATORS, listIncludes } from './relations.js';
import { celEquals, comparable, kindOf, mapGet, toArray } from './values.js';
import type { MapValue } from './values.js';

/** A literal whose JavaScript type alone fixes its CEL type: string, int (bigint), double (number) or bool. */
export type PrimitiveLiteral = string | bigint | number | boolean;

export type OrderingOperator = '<' | '<=' | '>' | '>=';

/** Builds operand == literal, or operand != literal when equal is false. */
export function fusedEquality(operand: Operand, literal: PrimitiveLiteral, equal: boolean, tail: LogicalTail | null): Closure {
  const { read, hot, missing } = operand;
  // A string literal gets a closure of its own, which compares typeof with
  // the constant 'string'. V8 turns that into one type check, where the
  // general closure compares two strings. See hotValue() for the figures.
  if (typeof literal === 'string') {
    return (root) => {
      const value = hot >= 0 ? hotValue(root, hot) : read(root);
      const result = typeof value === 'string' ? (value === literal) === equal : equalitySlowPath(value, literal, missing, equal);
      return tail === null ? result : finishLogical(tail, result, root);
    };
  }

  const literalType = typeof literal;
  return (root) => {
    const value = hot >= 0 ? hotValue(root, hot) : read(root);
    const result = typeof value === literalType ? (value === literal) === equal : equalitySlowPath(value, literal, missing, equal);
    return tail === null ? result : finishLogical(tail, result, root);
  };
}

/** Builds element == literal, or element != literal, as a test of one macro element. */
export function equalityElementTest(literal: PrimitiveLiteral, equal: boolean, missing: CompiledEvaluationError): ElementTest {
  const slowPath = (value: unknown): unknown => equalitySlowPath(value, literal, missing, equal);
  if (typeof literal === 'string') {
    return new ElementTest(StringTest.Equals, literal, null, null, equal, slowPath);
  }

  const literalType = typeof literal;
  return closureElementTest((value) => (typeof value === literalType ? (value === literal) === equal : slowPath(value)));
}

function equalitySlowPath(value: unknown, literal: PrimitiveLiteral, missing: CompiledEvaluationError, equal: boolean): unknown {
  if (value === undefined) {
    return missing;
  }
  if (isError(value)) {
    return value;
  }
  return celEquals(value, literal) === equal;
}

/**
 * Builds operand op literal. The caller has turned `literal op operand`
 * around, and node is the comparison as written, for its error.
 */
export function fusedOrdering(node: ASTNode, op: OrderingOperator, operand: Operand, literal: PrimitiveLiteral, polarity: boolean, tail: LogicalTail | null): Closure {
  const { read, hot, missing } = operand;
  const literalType = typeof literal;
  const noOverload = siteError(node, 'no_such_overload', `no such overload for ${node.op} on these operand types`);
  const slowPath = (value: unknown): unknown => orderingSlowPath(value, op, literal, missing, noOverload, polarity);
  if (typeof literal === 'bigint') {
    return fusedIntOrdering(op, operand, literal, polarity, tail, slowPath);
  }

  // One closure per operator, so that each compares with a plain JavaScript
  // operator instead of calling a comparator function.
  const bound = literal as number;
  switch (op) {
    case '<':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === literalType ? ((value as number) < bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case '<=':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === literalType ? ((value as number) <= bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case '>':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === literalType ? ((value as number) > bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case '>=':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === literalType ? ((value as number) >= bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
  }
}

function orderingSlowPath(value: unknown, op: OrderingOperator, literal: PrimitiveLiteral, missing: CompiledEvaluationError, noOverload: CompiledEvaluationError, polarity: boolean): unknown {
  if (value === undefined) {
    return missing;
  }
  if (isError(value)) {
    return value;
  }
  if (!comparable(kindOf(value), kindOf(literal))) {
    return noOverload;
  }
  return COMPARATORS[op](value as number, literal as number) === polarity;
}

/** Returns the operator that gives the same result with its operands swapped, as `5 < x` is `x > 5`. */
export function swappedOrdering(op: OrderingOperator): OrderingOperator {
  switch (op) {
    case '<':
      return '>';
    case '<=':
      return '>=';
    case '>':
      return '<';
    case '>=':
      return '<=';
  }
}

/**
 * Builds operand in [elements]. A value of the elements' own JavaScript type
 * is found with one Set.has, which compares like CEL equality here because
 * literals are never NaN. Int (bigint) lists are scanned with === instead,
 * because Set.has with a bigint measured about 10 ns slower than a scan of
 * a short list (Node 24, 2 shared CPUs). Other values,
 * such as a double tested against ints, take the element-by-element CEL
 * comparison.
 */
export function fusedListMembership(operand: Operand, elements: readonly PrimitiveLiteral[], polarity: boolean, tail: LogicalTail | null): Closure {
  const { read, hot, missing } = operand;
  const elementType = typeof elements[0];
  if (elementType === 'bigint') {
    return (root) => {
      const value = hot >= 0 ? hotValue(root, hot) : read(root);
      const result = typeof value === 'bigint' ? containsInt(elements as readonly bigint[], value) === polarity : listMembershipSlowPath(value, elements, missing, polarity);
      return tail === null ? result : finishLogical(tail, result, root);
    };
  }

  const set = new Set<unknown>(elements);
  return (root) => {
    const value = hot >= 0 ? hotValue(root, hot) : read(root);
    const result = typeof value === elementType ? set.has(value) === polarity : listMembershipSlowPath(value, elements, missing, polarity);
    return tail === null ? result : finishLogical(tail, result, root);
  };
}

/** Builds element in [elements] as a test of one macro element. */
export function listElementTest(elements: readonly PrimitiveLiteral[], polarity: boolean, missing: CompiledEvaluationError): ElementTest {
  const slowPath = (value: unknown): unknown => listMembershipSlowPath(value, elements, missing, polarity);
  const elementType = typeof elements[0];
  if (elementType === 'string') {
    return new ElementTest(StringTest.InSet, '', null, new Set<unknown>(elements), polarity, slowPath);
  }
  if (elementType === 'bigint') {
    return closureElementTest((value) => (typeof value === 'bigint' ? containsInt(elements as readonly bigint[], value) === polarity : slowPath(value)));
  }

  const set = new Set<unknown>(elements);
  return closureElementTest((value) => (typeof value === elementType ? set.has(value) === polarity : slowPath(value)));
}

/** Returns true when ints contains value. === compares bigints by value, and this loop measured faster than includes(). */
function containsInt(ints: readonly bigint[], value: bigint): boolean {
  for (let i = 0; i < ints.length; i++) {
    if (ints[i] === value) {
      return true;
    }
  }
  return false;
}

function listMembershipSlowPath(value: unknown, elements: readonly PrimitiveLiteral[], missing: CompiledEvaluationError, polarity: boolean): unknown {
  if (value === undefined) {
    return missing;
  }
  if (isError(value)) {
    return value;
  }
  return listIncludes(elements, value) === polarity;
}

/** Builds key in operand, where operand is usually a header, cookie or form Map. */
export function fusedKeyMembership(node: ASTNode, key: PrimitiveLiteral, operand: Operand, polarity: boolean, tail: LogicalTail | null): Closure {
  const { read, hot, missing } = operand;
  const noOverload = siteError(node, 'no_such_overload', "no such overload for 'in' on this right-hand operand type");
  return (root) => {
    const container = hot >= 0 ? hotValue(root, hot) : read(root);
    const result = container instanceof Map ? (container.get(key) !== undefined) === polarity : keyMembershipSlowPath(container, key, missing, noOverload, polarity);
    return tail === null ? result : finishLogical(tail, result, root);
  };
}

function keyMembershipSlowPath(container: unknown, key: PrimitiveLiteral, missing: CompiledEvaluationError, noOverload: CompiledEvaluationError, polarity: boolean): unknown {
  if (container === undefined) {
    return missing;
  }
  if (isError(container)) {
    return container;
  }

  const kind = kindOf(container);
  if (kind === 'map') {
    return (mapGet(container as MapValue, key) !== undefined) === polarity;
  }
  if (kind === 'list') {
    return listIncludes(toArray(container as unknown[]), key) === polarity;
  }
  return noOverload;
}
