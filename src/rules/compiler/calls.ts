// Function calls, has(), the comprehension macros (all, exists, exists_one,
// map, filter) and cel.bind. Macros follow cel-js 8. all and exists keep
// the first error and return it only when no element decides the result.
// exists_one, map and filter return the first error at once.
import type { ASTNode } from '@marcbachmann/cel-js';
import { hasField } from './access.js';
import { CompiledEvaluationError, isError, siteError } from './errors.js';
import { UnsupportedConstruct } from './frame.js';
import type { Closure, Frame, Scope } from './frame.js';
import type { Activation } from '../activation.js';
import { attributeReader, compileNode } from './compile-node.js';
import { findFunction } from './function-table.js';
import { iterationRange } from './values.js';

export function compileCall(node: ASTNode & { op: 'call' }, scope: Scope): Closure {
  const [name, argumentNodes] = node.args;
  const builder = findFunction(name, argumentNodes.length, false);
  if (builder === undefined) {
    throw new UnsupportedConstruct(`the function ${name}() with ${argumentNodes.length} arguments`);
  }

  const body = builder(node, argumentNodes.map(literalOf));
  return callClosure(body, argumentNodes.map((argument) => compileNode(argument, scope)));
}

export function compileMethodCall(node: ASTNode & { op: 'rcall' }, scope: Scope): Closure {
  const [name, receiverNode, argumentNodes] = node.args;
  const macro = MACROS[name];
  if (macro !== undefined && argumentNodes[0]?.op === 'id' && argumentNodes.length >= 2) {
    return macro(node, scope);
  }
  if (name === 'bind' && receiverNode.op === 'id' && receiverNode.args === 'cel' && argumentNodes.length === 3) {
    return compileBind(node, scope);
  }
  if (name === 'inList' && argumentNodes.length === 1) {
    return compileInList(node, scope);
  }

  const builder = findFunction(name, argumentNodes.length, true);
  if (builder === undefined) {
    throw new UnsupportedConstruct(`the method .${name}() with ${argumentNodes.length} arguments`);
  }
  const body = builder(node, argumentNodes.map(literalOf));
  return callClosure(body, [receiverNode, ...argumentNodes].map((argument) => compileNode(argument, scope)));
}

function literalOf(node: ASTNode): unknown {
  return node.op === 'value' ? node.args : undefined;
}

/**
 * Calls body with the argument closures' values, or returns the first
 * argument error without calling it. Fixed arities avoid an array per call.
 */
function callClosure(body: (...args: unknown[]) => unknown, args: readonly Closure[]): Closure {
  switch (args.length) {
    case 0:
      return () => body();
    case 1: {
      const [a] = args as [Closure];
      return (frame) => {
        const first = a(frame);
        return isError(first) ? first : body(first);
      };
    }
    case 2: {
      const [a, b] = args as [Closure, Closure];
      return (frame) => {
        const first = a(frame);
        if (isError(first)) {
          return first;
        }
        const second = b(frame);
        return isError(second) ? second : body(first, second);
      };
    }
    default:
      return (frame) => {
        const values: unknown[] = [];
        for (const arg of args) {
          const value = arg(frame);
          if (isError(value)) {
            return value;
          }
          values.push(value);
        }
        return body(...values);
      };
  }
}

/** Builds has(a.b.c): every step but the last must exist; the last is tested. */
export function compileHas(node: ASTNode & { op: 'call' }, scope: Scope): Closure {
  const fields: string[] = [];
  let target = node.args[1][0];
  while (target?.op === '.') {
    fields.unshift(target.args[1]);
    target = target.args[0];
  }
  if (target?.op !== 'id' || fields.length === 0) {
    throw new UnsupportedConstruct('has() on anything but a field selection');
  }

  const reader = fields.length === 1 ? attributeReader(target, fields[0] as string, scope) : undefined;
  if (reader !== undefined) {
    return (frame) => presence(reader(frame.root as unknown as Activation));
  }

  const base = compileNode(target, scope);
  const last = fields.pop() as string;
  const missing = siteError(node, 'no_such_key', 'No such key in the has() argument');
  return (frame) => {
    let value = base(frame);
    if (isError(value)) {
      return value;
    }
    for (const field of fields) {
      if (!hasField(value, field)) {
        return missing;
      }
      value = selectField(value, field);
    }
    return hasField(value, last) ? presence(selectField(value, last)) : false;
  };
}

/** Returns whether a field value is present; an error value, such as an attribute not known yet, stays an error. */
function presence(value: unknown): unknown {
  if (value === undefined) {
    return false;
  }
  return isError(value) ? value : true;
}

function selectField(value: unknown, field: string): unknown {
  return value instanceof Map ? value.get(field) : (value as Record<string, unknown>)[field];
}

/** Builds value.inList('name'); cel.ts has checked at load time that the name is a declared list. */
function compileInList(node: ASTNode & { op: 'rcall' }, scope: Scope): Closure {
  const [, receiverNode, [nameNode]] = node.args;
  const list = nameNode?.op === 'value' && typeof nameNode.args === 'string' ? scope.lists.get(nameNode.args) : undefined;
  if (list === undefined) {
    throw new UnsupportedConstruct('inList() without a declared list name');
  }

  const receiver = compileNode(receiverNode, scope);
  const notString = siteError(node, 'no_matching_overload', "found no matching overload for 'inList' on a value that is not a string");
  return (frame) => {
    const value = receiver(frame);
    if (typeof value === 'string') {
      return list.has(value);
    }
    return isError(value) ? value : notString;
  };
}

function compileBind(node: ASTNode & { op: 'rcall' }, scope: Scope): Closure {
  const [variable, valueNode, bodyNode] = node.args[2] as [ASTNode & { op: 'id' }, ASTNode, ASTNode];
  const value = compileNode(valueNode, scope);
  const slot = scope.slotCount.value++;
  const body = compileNode(bodyNode, { ...scope, variables: new Map(scope.variables).set(variable.args, slot) });

  return (frame) => {
    const bound = value(frame);
    if (isError(bound)) {
      return bound;
    }
    frame.slots[slot] = bound;
    return body(frame);
  };
}

type MacroCompiler = (node: ASTNode & { op: 'rcall' }, scope: Scope) => Closure;

/** The parts every macro shares: its range, the slot of its variable and the compiled arguments. */
interface MacroParts {
  range: Closure;
  slot: number;
  args: Closure[];
  badRange: CompiledEvaluationError;
}

function macroParts(node: ASTNode & { op: 'rcall' }, scope: Scope): MacroParts {
  const [, receiverNode, argumentNodes] = node.args;
  const variable = (argumentNodes[0] as ASTNode & { op: 'id' }).args;
  const range = compileNode(receiverNode, scope);
  const slot = scope.slotCount.value++;
  const inner: Scope = { ...scope, variables: new Map(scope.variables).set(variable, slot) };
  const args = argumentNodes.slice(1).map((argument) => compileNode(argument, inner));
  const badRange = siteError(receiverNode, 'invalid_comprehension_range', 'the range of a comprehension must be a list or a map');
  return { range, slot, args, badRange };
}

/** Returns the elements (or map keys) to iterate, or the error of the range expression. */
function itemsOf(parts: MacroParts, frame: Frame): Iterable<unknown> | CompiledEvaluationError {
  const range = parts.range(frame);
  if (isError(range)) {
    return range;
  }
  return iterationRange(range) ?? parts.badRange;
}

function predicateError(node: ASTNode & { op: 'rcall' }, label: string, index = 1): Error {
  return siteError(node.args[2][index] as ASTNode, 'invalid_condition_type', `${label} predicate must return bool`);
}

/** all() (decisive false) or exists() (decisive true). */
function quantifier(name: 'all' | 'exists', decisive: boolean): MacroCompiler {
  return (node, scope) => {
    const parts = macroParts(node, scope);
    const [predicate] = parts.args as [Closure];
    const notBool = predicateError(node, `${name}(var, predicate)`);

    return (frame) => {
      const items = itemsOf(parts, frame);
      if (isError(items)) {
        return items;
      }

      let firstError: Error | null = null;
      for (const item of items) {
        frame.slots[parts.slot] = item;
        const result = predicate(frame);
        if (result === decisive) {
          return decisive;
        }
        if (result !== !decisive) {
          firstError ??= isError(result) ? result : notBool;
        }
      }
      return firstError ?? !decisive;
    };
  };
}

const existsOne: MacroCompiler = (node, scope) => {
  const parts = macroParts(node, scope);
  const [predicate] = parts.args as [Closure];
  const notBool = predicateError(node, 'exists_one(var, predicate)');

  return (frame) => {
    const items = itemsOf(parts, frame);
    if (isError(items)) {
      return items;
    }

    let count = 0;
    for (const item of items) {
      frame.slots[parts.slot] = item;
      const result = predicate(frame);
      if (result === true) {
        count++;
      } else if (result !== false) {
        return isError(result) ? result : notBool;
      }
    }
    return count === 1;
  };
};

const mapMacro: MacroCompiler = (node, scope) => {
  const parts = macroParts(node, scope);
  const filtered = parts.args.length === 2;
  const [filter, transform] = filtered ? (parts.args as [Closure, Closure]) : [null, parts.args[0] as Closure];
  const notBool = predicateError(node, 'map(var, filter, transform) filter');

  return (frame) => {
    const items = itemsOf(parts, frame);
    if (isError(items)) {
      return items;
    }

    const output: unknown[] = [];
    for (const item of items) {
      frame.slots[parts.slot] = item;
      if (filter !== null) {
        const keep = filter(frame);
        if (keep === false) {
          continue;
        }
        if (keep !== true) {
          return isError(keep) ? keep : notBool;
        }
      }
      const value = transform(frame);
      if (isError(value)) {
        return value;
      }
      output.push(value);
    }
    return output;
  };
};

const filterMacro: MacroCompiler = (node, scope) => {
  const parts = macroParts(node, scope);
  const [predicate] = parts.args as [Closure];
  const notBool = predicateError(node, 'filter(var, predicate)');

  return (frame) => {
    const items = itemsOf(parts, frame);
    if (isError(items)) {
      return items;
    }

    const output: unknown[] = [];
    for (const item of items) {
      frame.slots[parts.slot] = item;
      const keep = predicate(frame);
      if (keep === true) {
        output.push(item);
      } else if (keep !== false) {
        return isError(keep) ? keep : notBool;
      }
    }
    return output;
  };
};

const MACROS: Record<string, MacroCompiler | undefined> = {
  all: quantifier('all', false),
  exists: quantifier('exists', true),
  exists_one: existsOne,
  map: mapMacro,
  filter: filterMacro,
};
