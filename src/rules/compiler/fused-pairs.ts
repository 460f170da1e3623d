// One closure for `a && b` or `a || b` when both sides test a hot attribute
// (request.method, url_path, host and the like) against literals, as in
// `request.method == 'POST' && request.url_path.startsWith('/api/')`. Each
// side runs as data (element-tests.ts) in the pair's own closure. This
// saves the call of the right side's closure and of finishLogical(), which
// every chain shares, so V8 does not inline either call.
import type { ASTNode } from '@marcbachmann/cel-js';
import { hotValue } from './attribute-readers.js';
import { runElementTest } from './element-tests.js';
import type { ElementTest } from './element-tests.js';
import { isError } from './errors.js';
import type { CompiledEvaluationError } from './errors.js';
import type { Closure, Scope } from './frame.js';
import { compileLiteralTest } from './fusion.js';
import { attributeOperand } from './operands.js';

/** One side of a pair: the test and the operand's number in HOT_ATTRIBUTES. */
interface HotTest {
  readonly test: ElementTest;
  readonly hot: number;
}

/**
 * Builds left || right (decisive true) or left && right (decisive false)
 * when both sides are hot attribute tests, else returns undefined.
 */
export function compileFusedPair(left: ASTNode, right: ASTNode, scope: Scope, decisive: boolean): Closure | undefined {
  const first = hotTestOf(left, scope);
  const second = first === undefined ? undefined : hotTestOf(right, scope);
  if (first === undefined || second === undefined) {
    return undefined;
  }

  const { test: leftTest, hot: leftHot } = first;
  const { test: rightTest, hot: rightHot } = second;
  return (root) => {
    const firstResult = runElementTest(leftTest, hotValue(root, leftHot));
    if (firstResult === decisive) {
      return decisive;
    }

    const secondResult = runElementTest(rightTest, hotValue(root, rightHot));
    if (secondResult === decisive) {
      return decisive;
    }

    // Both are bools or errors: an error on the right decides, then the left's value or error.
    return isError(secondResult) ? secondResult : firstResult;
  };
}

/** Returns node as a test of a hot attribute against literals, or undefined. */
function hotTestOf(node: ASTNode, scope: Scope): HotTest | undefined {
  let hot = -1;
  const missingOf = (operandNode: ASTNode): CompiledEvaluationError | undefined => {
    const operand = attributeOperand(operandNode, scope);
    if (operand === undefined || operand.hot < 0) {
      return undefined;
    }
    hot = operand.hot;
    return operand.missing;
  };

  const test = compileLiteralTest(node, missingOf);
  return test === undefined ? undefined : { test, hot };
}
