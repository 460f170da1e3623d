// CEL arithmetic on int (64-bit signed, as bigint) and double (number), with
// the errors CEL defines: integer overflow, division and modulo by zero.
// Operands of different kinds have no overload, as in cel-js 8.
import type { ASTNode } from '@marcbachmann/cel-js';
import { siteError } from './errors.js';
import { kindOf } from './values.js';

const MAX_INT = 2n ** 63n - 1n;
const MIN_INT = -(2n ** 63n);

export type BinaryArithmetic = (left: unknown, right: unknown) => unknown;

/** Builds the function of one arithmetic operator node; its errors are built here, once. */
export function arithmeticOperator(op: '+' | '-' | '*' | '/' | '%', node: ASTNode): BinaryArithmetic {
  const overflow = siteError(node, 'numeric_overflow', `integer overflow in ${op}`);
  const byZero = op === '%' ? siteError(node, 'modulo_by_zero', 'modulo by zero') : siteError(node, 'division_by_zero', 'division by zero');
  const noOverload = siteError(node, 'no_such_overload', `no such overload for operator ${op} on these operand types`);

  const checkInt = (value: bigint): bigint | Error => {
    if (value > MAX_INT || value < MIN_INT) {
      return overflow;
    }
    return value;
  };

  return (left, right) => {
    if (typeof left === 'bigint' && typeof right === 'bigint') {
      return intOperation(op, left, right, checkInt, byZero);
    }
    if (typeof left === 'number' && typeof right === 'number' && op !== '%') {
      return doubleOperation(op, left, right);
    }
    if (op === '+') {
      return concatenation(left, right, noOverload);
    }
    return noOverload;
  };
}

function intOperation(op: string, left: bigint, right: bigint, checkInt: (value: bigint) => bigint | Error, byZero: Error): bigint | Error {
  switch (op) {
    case '+':
      return checkInt(left + right);
    case '-':
      return checkInt(left - right);
    case '*':
      return checkInt(left * right);
    case '/':
      if (right === 0n) {
        return byZero;
      }
      return left / right;
    default:
      if (right === 0n) {
        return byZero;
      }
      return left % right;
  }
}

function doubleOperation(op: string, left: number, right: number): number {
  switch (op) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    default:
      return left / right;
  }
}

function concatenation(left: unknown, right: unknown, noOverload: Error): unknown {
  if (typeof left === 'string' && typeof right === 'string') {
    return left + right;
  }
  if (kindOf(left) === 'list' && kindOf(right) === 'list') {
    return [...(left as Iterable<unknown>), ...(right as Iterable<unknown>)];
  }
  return noOverload;
}

/** Builds unary minus: int negation (checked for overflow) and double negation. */
export function negation(node: ASTNode): (value: unknown) => unknown {
  const noOverload = siteError(node, 'no_such_overload', 'no such overload for unary minus on this operand type');
  return (value) => {
    if (typeof value === 'bigint') {
      // cel-js 8 negates without an overflow check, so -(-9223372036854775808) stays a bigint out of range.
      return -value;
    }
    if (typeof value === 'number') {
      return -value;
    }
    return noOverload;
  };
}
