// Compiles a type-checked cel-js AST into JavaScript closures over the
// attribute model. Rule text never becomes source code: the compiler only
// picks and nests prewritten closures. An expression that uses a construct
// the compiler does not translate (bytes, uint, durations, optional values)
// is left to the cel-js interpreter, and the caller counts it.
import type { ASTNode } from '@marcbachmann/cel-js';
import { compileNode } from './compile-node.js';
import { UnsupportedConstruct } from './frame.js';
import type { Scope } from './frame.js';
import { MESSAGE_FIELDS } from './values.js';
import type { NamedLists } from '../functions/named-lists.js';
import { isError } from './errors.js';

/** Evaluates the expression and returns its value or a CompiledEvaluationError; only a fault in ctxproc itself throws. */
export type CompiledEvaluator = (root: Readonly<Record<string, unknown>>) => unknown;

export type CompilerResult = { evaluate: CompiledEvaluator; unsupported: null } | { evaluate: null; unsupported: string };

/** Declares a class registered with cel-js as a message type, so field access and has() treat it as one. */
export function registerMessageClass(constructor: unknown, fields: readonly string[]): void {
  MESSAGE_FIELDS.set(constructor, new Set(fields));
}

/** Compiles ast, which must have passed cel-js's check() so every node has its checked type; lists serve inList(). */
export function compileChecked(ast: ASTNode, lists: NamedLists = new Map()): CompilerResult {
  const scope: Scope = { variables: new Map(), lists, slots: [] };
  let closure;
  try {
    closure = compileNode(ast, scope);
  } catch (error) {
    if (error instanceof UnsupportedConstruct) {
      return { evaluate: null, unsupported: error.message };
    }
    throw error;
  }

  // The root closure already has the evaluator's signature, so callers
  // call it directly, without a wrapper call or a frame per evaluation.
  return { evaluate: closure, unsupported: null };
}

/** Returns value, or throws it when it is an evaluation error, for callers that expect cel-js's throwing interface. */
export function valueOrThrow(value: unknown): unknown {
  if (isError(value)) {
    throw value;
  }
  return value;
}

export { CompiledEvaluationError, isError } from './errors.js';
