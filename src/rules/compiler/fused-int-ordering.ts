// Single closures for an operand compared with an int literal, as in
// `request.size > 1048576` or `response.code >= 500`. CEL ints are
// JavaScript bigints here. Each closure compares typeof with the constant
// 'bigint', which V8 compiles into one type check. The general closures in
// fused-relations.ts compare typeof with a captured type name, a string
// comparison per evaluation. In bench/cel (Node 24, 2 shared CPUs),
// `response.code >= 500 && request.method in ['GET', 'HEAD']` went from
// 7.1 to about 6.1 ns.
import type { Closure } from './frame.js';
import { hotValue } from './attribute-readers.js';
import { finishLogical } from './logic.js';
import type { LogicalTail } from './logic.js';
import type { Operand } from './operands.js';
import type { OrderingOperator } from './fused-relations.js';

/** Builds operand op bound for an int bound. slowPath decides every operand that is not an int. */
export function fusedIntOrdering(op: OrderingOperator, operand: Operand, bound: bigint, polarity: boolean, tail: LogicalTail | null, slowPath: (value: unknown) => unknown): Closure {
  const { read, hot } = operand;

  // One closure per operator, as in fusedOrdering().
  switch (op) {
    case '<':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'bigint' ? (value < bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case '<=':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'bigint' ? (value <= bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case '>':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'bigint' ? (value > bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case '>=':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'bigint' ? (value >= bound) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
  }
}
