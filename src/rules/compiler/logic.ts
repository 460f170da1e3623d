// The logical operators and the conditional, with CEL's rules for errors:
// || and && are commutative over errors, so `error || true` is true and
// `error && false` is false, and an error survives only when the other side
// cannot decide the result. Operands must be bool at run time.
import type { ASTNode } from '@marcbachmann/cel-js';
import { isError, siteError } from './errors.js';
import type { CompiledEvaluationError } from './errors.js';
import type { Closure, Root, Scope } from './frame.js';
import { compileNode } from './compile-node.js';
import { compileFused } from './fusion.js';
import { compileFusedPair } from './fused-pairs.js';
import { directTestOf, runDirectTest } from './direct-operands.js';
import type { DirectTest } from './direct-operands.js';

/**
 * The right operand of || or && whose left operand is a fused test. The
 * test's own closure finishes the operator with finishLogical(), which
 * saves the call of a separate operator closure per evaluation.
 */
export interface LogicalTail {
  readonly right: Closure;
  /**
   * The right operand as data when it is a literal test of a direct
   * operand, else null. finishLogical() then runs it without calling
   * right, because that call site is shared by every chain and V8 does not
   * inline it.
   */
  readonly rightTest: DirectTest | null;
  /** True for ||, false for &&. */
  readonly decisive: boolean;
  readonly rightNotBool: CompiledEvaluationError;
}

/** Returns `first op right` as compileLogical's closure does, where first is a fused test's bool or error. */
export function finishLogical(tail: LogicalTail, first: unknown, root: Root): unknown {
  const decisive = tail.decisive;
  if (first === decisive) {
    return decisive;
  }

  const rightTest = tail.rightTest;
  const second = rightTest !== null ? runDirectTest(root, rightTest) : tail.right(root);
  if (second === decisive) {
    return decisive;
  }
  if (second !== !decisive) {
    return isError(second) ? second : tail.rightNotBool;
  }

  // A fused test returns only bools and errors, so first is an error unless it equals second.
  return first;
}

/** Builds || (decisive true) or && (decisive false). */
function compileLogical(node: ASTNode & { op: '||' | '&&' }, scope: Scope, decisive: boolean): Closure {
  const pair = compileFusedPair(node.args[0], node.args[1], scope, decisive);
  if (pair !== undefined) {
    return pair;
  }

  const right = compileNode(node.args[1], scope);
  const rightNotBool = siteError(node.args[1], 'invalid_logical_operand', 'Logical operator requires bool operands');
  const rightTest = directTestOf(node.args[1], scope) ?? null;
  const fused = compileFused(node.args[0], scope, true, { right, rightTest, decisive, rightNotBool });
  if (fused !== undefined) {
    return fused;
  }

  const left = compileNode(node.args[0], scope);
  const leftNotBool = siteError(node.args[0], 'invalid_logical_operand', 'Logical operator requires bool operands');

  return (root) => {
    const first = left(root);
    if (first === decisive) {
      return decisive;
    }

    const second = right(root);
    if (second === decisive) {
      return decisive;
    }
    if (second !== !decisive) {
      return isError(second) ? second : rightNotBool;
    }

    if (first === second) {
      return second;
    }
    return isError(first) ? first : leftNotBool;
  };
}

export function compileOr(node: ASTNode & { op: '||' }, scope: Scope): Closure {
  return compileLogical(node, scope, true);
}

export function compileAnd(node: ASTNode & { op: '&&' }, scope: Scope): Closure {
  return compileLogical(node, scope, false);
}

export function compileNot(node: ASTNode & { op: '!_' }, scope: Scope): Closure {
  const operand = compileNode(node.args, scope);
  const notBool = siteError(node, 'no_such_overload', 'no such overload for ! on a value that is not bool');
  return (root) => {
    const value = operand(root);
    if (typeof value !== 'boolean') {
      return isError(value) ? value : notBool;
    }
    return !value;
  };
}

/** Builds cond ? a : b; label names the construct in the error for a condition that is not bool. */
export function compileConditional(node: ASTNode & { op: '?:' }, scope: Scope, label = 'Ternary condition must be bool'): Closure {
  const [conditionNode, thenNode, elseNode] = node.args;
  const condition = compileNode(conditionNode, scope);
  const whenTrue = compileNode(thenNode, scope);
  const whenFalse = compileNode(elseNode, scope);
  const notBool = siteError(conditionNode, 'invalid_condition_type', label);

  return (root) => {
    const value = condition(root);
    if (value === true) {
      return whenTrue(root);
    }
    if (value === false) {
      return whenFalse(root);
    }
    return isError(value) ? value : notBool;
  };
}
