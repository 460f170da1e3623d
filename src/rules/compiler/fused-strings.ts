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
import type { Operand } from './operands.js';

export const FUSED_STRING_METHODS: ReadonlySet<string> = new Set(['startsWith', 'endsWith', 'contains', 'matches']);

/** Builds operand.name(argument), or its negation when polarity is false; name is one of FUSED_STRING_METHODS. */
export function fusedStringMethod(node: ASTNode, name: string, operand: Operand, argument: string, polarity: boolean): Closure {
  const { read, missing } = operand;
  const error = noOverload(node, name);
  const slowPath = (value: unknown): unknown => notStringResult(value, missing, error);

  // One closure per method, so each calls its String.prototype method
  // directly instead of through a shared function value.
  switch (name) {
    case 'startsWith':
      return (root) => {
        const value = read(root);
        return typeof value === 'string' ? value.startsWith(argument) === polarity : slowPath(value);
      };
    case 'endsWith':
      return (root) => {
        const value = read(root);
        return typeof value === 'string' ? value.endsWith(argument) === polarity : slowPath(value);
      };
    case 'contains':
      return (root) => {
        const value = read(root);
        return typeof value === 'string' ? value.includes(argument) === polarity : slowPath(value);
      };
    default: {
      const pattern = new RegExp(argument);
      return (root) => {
        const value = read(root);
        return typeof value === 'string' ? pattern.test(value) === polarity : slowPath(value);
      };
    }
  }
}

function notStringResult(value: unknown, missing: CompiledEvaluationError, noOverloadError: CompiledEvaluationError): unknown {
  if (value === undefined) {
    return missing;
  }
  return isError(value) ? value : noOverloadError;
}
