// Single closures for a string test with a literal argument:
// operand.startsWith('x'), endsWith, contains and matches. The regular
// expression of matches() is compiled once, here; regex-calls.ts has already
// rejected patterns that could backtrack catastrophically. A receiver that
// is not a string fails with the same error as the unfused call.
import type { ASTNode } from '@marcbachmann/cel-js';
import { noOverload } from './builtins.js';
import { isError } from './errors.js';
import type { CompiledEvaluationError } from './errors.js';
import type { Closure } from './frame.js';
import { ElementTest, StringTest } from './element-tests.js';
import type { StringTestKind } from './element-tests.js';
import { hotValue } from './attribute-readers.js';
import { containsNeedle, needleSearch } from './needle-search.js';
import { literalPattern, testPattern } from './literal-pattern.js';
import { finishLogical } from './logic.js';
import type { LogicalTail } from './logic.js';
import type { Operand } from './operands.js';

export const FUSED_STRING_METHODS: ReadonlySet<string> = new Set(['startsWith', 'endsWith', 'contains', 'matches']);

/** Builds operand.name(argument), or its negation when polarity is false; name is one of FUSED_STRING_METHODS. */
export function fusedStringMethod(node: ASTNode, name: string, operand: Operand, argument: string, polarity: boolean, tail: LogicalTail | null): Closure {
  const { read, hot, missing } = operand;
  const error = noOverload(node, name);
  const slowPath = (value: unknown): unknown => notStringResult(value, missing, error);

  // One closure per method, so each calls its String.prototype method
  // directly instead of through a shared function value.
  switch (name) {
    case 'startsWith':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'string' ? value.startsWith(argument) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case 'endsWith':
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'string' ? value.endsWith(argument) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    case 'contains': {
      const search = needleSearch(argument);
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'string' ? containsNeedle(search, value) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    }
    default: {
      const pattern = literalPattern(argument);
      return (root) => {
        const value = hot >= 0 ? hotValue(root, hot) : read(root);
        const result = typeof value === 'string' ? testPattern(pattern, value) === polarity : slowPath(value);
        return tail === null ? result : finishLogical(tail, result, root);
      };
    }
  }
}

/** Builds element.name(argument) as a test of one macro element, for a predicate such as `name.startsWith('x-')`. */
export function stringElementTest(node: ASTNode, name: string, argument: string, polarity: boolean, missing: CompiledEvaluationError): ElementTest {
  const error = noOverload(node, name);
  const otherwise = (value: unknown): unknown => notStringResult(value, missing, error);
  const pattern = name === 'matches' ? new RegExp(argument) : null;
  return new ElementTest(STRING_METHOD_TESTS[name] ?? StringTest.Matches, argument, pattern, null, polarity, otherwise);
}

const STRING_METHOD_TESTS: Readonly<Record<string, StringTestKind>> = {
  startsWith: StringTest.StartsWith,
  endsWith: StringTest.EndsWith,
  contains: StringTest.Contains,
  matches: StringTest.Matches,
};

function notStringResult(value: unknown, missing: CompiledEvaluationError, noOverloadError: CompiledEvaluationError): unknown {
  if (value === undefined) {
    return missing;
  }
  return isError(value) ? value : noOverloadError;
}
