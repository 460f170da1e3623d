// Function calls, has(), inList() and cel.bind. The comprehension macros
// are in macros.ts.
import type { ASTNode } from '@marcbachmann/cel-js';
import { hasField } from './access.js';
import { isError, siteError } from './errors.js';
import { newSlot, UnsupportedConstruct } from './frame.js';
import type { Closure, Scope } from './frame.js';
import type { Activation } from '../activation.js';
import { attributeReader, compileNode } from './compile-node.js';
import { findFunction } from './function-table.js';
import { internalisedLiteral } from './literals.js';
import { MACROS } from './macros.js';

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
  return node.op === 'value' ? internalisedLiteral(node.args) : undefined;
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
      return (root) => {
        const first = a(root);
        return isError(first) ? first : body(first);
      };
    }
    case 2: {
      const [a, b] = args as [Closure, Closure];
      return (root) => {
        const first = a(root);
        if (isError(first)) {
          return first;
        }
        const second = b(root);
        return isError(second) ? second : body(first, second);
      };
    }
    default:
      return (root) => {
        const values: unknown[] = [];
        for (const arg of args) {
          const value = arg(root);
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
    return (root) => presence(reader(root as unknown as Activation));
  }

  const base = compileNode(target, scope);
  const last = fields.pop() as string;
  const missing = siteError(node, 'no_such_key', 'No such key in the has() argument');
  return (root) => {
    let value = base(root);
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
  return (root) => {
    const value = receiver(root);
    if (typeof value === 'string') {
      return list.has(value);
    }
    return isError(value) ? value : notString;
  };
}

function compileBind(node: ASTNode & { op: 'rcall' }, scope: Scope): Closure {
  const [variable, valueNode, bodyNode] = node.args[2] as [ASTNode & { op: 'id' }, ASTNode, ASTNode];
  const value = compileNode(valueNode, scope);
  const slot = newSlot(scope);
  const body = compileNode(bodyNode, { ...scope, variables: new Map(scope.variables).set(variable.args, slot) });
  const slots = scope.slots;

  return (root) => {
    const bound = value(root);
    if (isError(bound)) {
      return bound;
    }
    slots[slot] = bound;
    const result = body(root);
    slots[slot] = undefined;
    return result;
  };
}
