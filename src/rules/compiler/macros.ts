// The comprehension macros all, exists, exists_one, map and filter, as in
// cel-js 8. all and exists keep the first error and return it only when no
// element decides the result. exists_one, map and filter return the first
// error at once.
import type { ASTNode } from '@marcbachmann/cel-js';
import { CompiledEvaluationError, isError, siteError } from './errors.js';
import { newSlot } from './frame.js';
import type { Closure, Root, Scope } from './frame.js';
import { runElementTest } from './element-tests.js';
import type { ElementTest } from './element-tests.js';
import { compileNode } from './compile-node.js';
import { compileElementTest } from './fusion.js';
import { iterationRange } from './values.js';

type MacroCompiler = (node: ASTNode & { op: 'rcall' }, scope: Scope) => Closure;

/** Runs a macro's loop over the items of its range, which iterationRange() has accepted. */
type Loop = (items: Iterable<unknown>, root: Root) => unknown;

/**
 * Builds the closure of a macro, which evaluates the range and runs loop
 * over its items. It then clears the slot of the macro variable, if it has
 * one, so the shared slots array keeps no request's values alive.
 */
function macroClosure(node: ASTNode & { op: 'rcall' }, scope: Scope, slot: number | null, loop: Loop): Closure {
  const receiverNode = node.args[1];
  const range = compileNode(receiverNode, scope);
  const badRange = siteError(receiverNode, 'invalid_comprehension_range', 'the range of a comprehension must be a list or a map');
  const slots = scope.slots;

  return (root) => {
    const value = range(root);
    if (isError(value)) {
      return value;
    }
    const items = iterationRange(value);
    if (items === null) {
      return badRange;
    }

    const result = loop(items, root);
    if (slot !== null) {
      slots[slot] = undefined;
    }
    return result;
  };
}

/** Reserves the slot of the macro's variable and compiles its other arguments with the variable in scope. */
function macroArguments(node: ASTNode & { op: 'rcall' }, scope: Scope): { slot: number; args: Closure[] } {
  const argumentNodes = node.args[2];
  const variable = (argumentNodes[0] as ASTNode & { op: 'id' }).args;
  const slot = newSlot(scope);
  const inner: Scope = { ...scope, variables: new Map(scope.variables).set(variable, slot) };
  const args = argumentNodes.slice(1).map((argument) => compileNode(argument, inner));
  return { slot, args };
}

function predicateError(node: ASTNode & { op: 'rcall' }, label: string, index = 1): CompiledEvaluationError {
  return siteError(node.args[2][index] as ASTNode, 'invalid_condition_type', `${label} predicate must return bool`);
}

/** all() (decisive false) or exists() (decisive true). */
function quantifier(name: 'all' | 'exists', decisive: boolean): MacroCompiler {
  return (node, scope) => {
    const notBool = predicateError(node, `${name}(var, predicate)`);

    /** Returns the first error so far, or result when it is the first error; a non-bool result counts as notBool. */
    const settle = (result: unknown, firstError: CompiledEvaluationError | null): CompiledEvaluationError | null => {
      if (firstError !== null || result === !decisive) {
        return firstError;
      }
      return isError(result) ? result : notBool;
    };

    const [variableNode, predicateNode] = node.args[2] as [ASTNode & { op: 'id' }, ASTNode];
    const test = compileElementTest(predicateNode, variableNode.args);
    if (test !== undefined) {
      return macroClosure(node, scope, null, (items) => quantifyElements(items, test, decisive, settle));
    }

    const { slot, args } = macroArguments(node, scope);
    const [predicate] = args as [Closure];
    const slots = scope.slots;
    return macroClosure(node, scope, slot, (items, root) => {
      let firstError: CompiledEvaluationError | null = null;
      for (const item of items) {
        slots[slot] = item;
        const result = predicate(root);
        if (result === decisive) {
          return decisive;
        }
        firstError = settle(result, firstError);
      }
      return firstError ?? !decisive;
    });
  };
}

type Settle = (result: unknown, firstError: CompiledEvaluationError | null) => CompiledEvaluationError | null;

/** Runs all() or exists() with a predicate compiled as an element test, so each element costs no closure call and no slot. */
function quantifyElements(items: Iterable<unknown>, test: ElementTest, decisive: boolean, settle: Settle): unknown {
  let firstError: CompiledEvaluationError | null = null;
  if (Array.isArray(items)) {
    for (let i = 0; i < items.length; i++) {
      const result = runElementTest(test, items[i]);
      if (result === decisive) {
        return decisive;
      }
      firstError = settle(result, firstError);
    }
    return firstError ?? !decisive;
  }

  for (const item of items) {
    const result = runElementTest(test, item);
    if (result === decisive) {
      return decisive;
    }
    firstError = settle(result, firstError);
  }
  return firstError ?? !decisive;
}

const existsOne: MacroCompiler = (node, scope) => {
  const { slot, args } = macroArguments(node, scope);
  const [predicate] = args as [Closure];
  const notBool = predicateError(node, 'exists_one(var, predicate)');
  const slots = scope.slots;

  return macroClosure(node, scope, slot, (items, root) => {
    let count = 0;
    for (const item of items) {
      slots[slot] = item;
      const result = predicate(root);
      if (result === true) {
        count++;
      } else if (result !== false) {
        return isError(result) ? result : notBool;
      }
    }
    return count === 1;
  });
};

const mapMacro: MacroCompiler = (node, scope) => {
  const { slot, args } = macroArguments(node, scope);
  const filtered = args.length === 2;
  const [filter, transform] = filtered ? (args as [Closure, Closure]) : [null, args[0] as Closure];
  const notBool = predicateError(node, 'map(var, filter, transform) filter');
  const slots = scope.slots;

  return macroClosure(node, scope, slot, (items, root) => {
    const output: unknown[] = [];
    for (const item of items) {
      slots[slot] = item;
      if (filter !== null) {
        const keep = filter(root);
        if (keep === false) {
          continue;
        }
        if (keep !== true) {
          return isError(keep) ? keep : notBool;
        }
      }
      const value = transform(root);
      if (isError(value)) {
        return value;
      }
      output.push(value);
    }
    return output;
  });
};

const filterMacro: MacroCompiler = (node, scope) => {
  const { slot, args } = macroArguments(node, scope);
  const [predicate] = args as [Closure];
  const notBool = predicateError(node, 'filter(var, predicate)');
  const slots = scope.slots;

  return macroClosure(node, scope, slot, (items, root) => {
    const output: unknown[] = [];
    for (const item of items) {
      slots[slot] = item;
      const keep = predicate(root);
      if (keep === true) {
        output.push(item);
      } else if (keep !== false) {
        return isError(keep) ? keep : notBool;
      }
    }
    return output;
  });
};

export const MACROS: Record<string, MacroCompiler | undefined> = {
  all: quantifier('all', false),
  exists: quantifier('exists', true),
  exists_one: existsOne,
  map: mapMacro,
  filter: filterMacro,
};
