// Translates one node of a type-checked cel-js AST into a closure. Each
// closure calls its children's closures directly; constants, regular
// expressions and error objects are prepared here, at load time.
import type { ASTNode } from '@marcbachmann/cel-js';
import { lookupFor } from './access.js';
import { ATTRIBUTE_READERS } from './attribute-readers.js';
import type { AttributeReader } from './attribute-readers.js';
import { arithmeticOperator, negation } from './arithmetic.js';
import { fieldError, isError, siteError } from './errors.js';
import { checkedTypeOf, UnsupportedConstruct } from './frame.js';
import { internalisedLiteral } from './literals.js';
import type { Closure, Scope } from './frame.js';
import { compileCall, compileHas, compileMethodCall } from './calls.js';
import { compileAnd, compileConditional, compileNot, compileOr } from './logic.js';
import { compileComparison, compileEquality, compileMembership } from './relations.js';
import { compileFused, FUSABLE_OPERATORS } from './fusion.js';
import { attributeOperand, closureOf, literalKeyOperand } from './operands.js';

type Literal = string | bigint | number | boolean | null;

/** Compiles node in scope; throws UnsupportedConstruct for what the compiler does not cover. */
export function compileNode(node: ASTNode, scope: Scope): Closure {
  const fused = FUSABLE_OPERATORS.has(node.op) ? compileFused(node, scope, true) : undefined;
  if (fused !== undefined) {
    return fused;
  }

  switch (node.op) {
    case 'value':
      return compileLiteral(node);
    case 'id':
      return compileIdentifier(node, scope);
    case '.':
      return compileSelection(node, scope);
    case '[]':
      return compileIndex(node, scope);
    case 'call':
      return node.args[0] === 'has' ? compileHas(node, scope) : compileCall(node, scope);
    case 'rcall':
      return compileMethodCall(node, scope);
    case 'list':
      return compileList(node.args, scope);
    case 'map':
      return compileMap(node.args, scope);
    case '?:':
      return compileConditional(node, scope);
    case '||':
      return compileOr(node, scope);
    case '&&':
      return compileAnd(node, scope);
    case '!_':
      return compileNot(node, scope);
    case '-_': {
      const operand = compileNode(node.args, scope);
      const negate = negation(node);
      return (root) => {
        const value = operand(root);
        return isError(value) ? value : negate(value);
      };
    }
    default:
      return compileBinary(node, scope);
  }
}

function compileLiteral(node: ASTNode & { op: 'value' }): Closure {
  if (!isPlainLiteral(node.args)) {
    throw new UnsupportedConstruct('bytes and uint literals');
  }
  const value = internalisedLiteral(node.args);
  return () => value;
}

function isPlainLiteral(value: unknown): value is Literal {
  return value === null || ['string', 'bigint', 'number', 'boolean'].includes(typeof value);
}

function compileIdentifier(node: ASTNode & { op: 'id' }, scope: Scope): Closure {
  const name = node.args;
  const slot = scope.variables.get(name);
  if (slot !== undefined) {
    const slots = scope.slots;
    return () => slots[slot];
  }

  const unknown = siteError(node, 'unknown_variable', `Unknown variable: ${name}`);
  return (root) => {
    const value = root[name];
    if (value === undefined) {
      return unknown;
    }
    return value;
  };
}

function compileSelection(node: ASTNode & { op: '.' }, scope: Scope): Closure {
  const attribute = attributeOperand(node, scope);
  if (attribute !== undefined) {
    return closureOf(attribute);
  }

  const [targetNode, field] = node.args;
  const target = compileNode(targetNode, scope);
  const missing = fieldError(node, field);

  // A declared field of an attribute group is a plain property read; the
  // type checker has already rejected fields the group does not declare.
  if (checkedTypeOf(targetNode)?.kind === 'message') {
    return (root) => {
      const group = target(root);
      if (isError(group)) {
        return group;
      }
      const value = (group as Record<string, unknown>)[field];
      if (value === undefined) {
        return missing;
      }
      return value;
    };
  }

  const lookup = lookupFor(node);
  return (root) => {
    const container = target(root);
    if (isError(container)) {
      return container;
    }
    const value = lookup(container, field);
    if (value === undefined) {
      return missing;
    }
    return value;
  };
}

/** Returns the reader of root.field when target is an attribute root that no macro variable shadows. */
export function attributeReader(target: ASTNode, field: string, scope: Scope): AttributeReader | undefined {
  if (target.op !== 'id' || scope.variables.has(target.args)) {
    return undefined;
  }
  const key = `${target.args}.${field}`;
  return Object.hasOwn(ATTRIBUTE_READERS, key) ? ATTRIBUTE_READERS[key] : undefined;
}

function compileIndex(node: ASTNode & { op: '[]' }, scope: Scope): Closure {
  const literalKey = literalKeyOperand(node, scope);
  if (literalKey !== undefined) {
    return closureOf(literalKey);
  }

  const [targetNode, keyNode] = node.args;
  const target = compileNode(targetNode, scope);
  const key = compileNode(keyNode, scope);
  const missing = siteError(node, 'no_such_key', keyNode.op === 'value' && typeof keyNode.args === 'string' ? `No such key: ${keyNode.args}` : 'No such key');

  const lookup = lookupFor(node);
  return (root) => {
    const container = target(root);
    if (isError(container)) {
      return container;
    }
    const index = key(root);
    if (isError(index)) {
      return index;
    }
    const value = lookup(container, index);
    if (value === undefined) {
      return missing;
    }
    return value;
  };
}

function compileList(elements: readonly ASTNode[], scope: Scope): Closure {
  // A list of literals, such as the statuses in `code in [200, 201]`, is
  // built once. It is frozen because every evaluation shares it.
  if (elements.every((element) => element.op === 'value' && isPlainLiteral(element.args))) {
    const constant = Object.freeze(elements.map((element) => internalisedLiteral(element.args)));
    return () => constant;
  }

  const items = elements.map((element) => compileNode(element, scope));
  return (root) => {
    const list: unknown[] = [];
    for (const item of items) {
      const value = item(root);
      if (isError(value)) {
        return value;
      }
      list.push(value);
    }
    return list;
  };
}

/** Keys cel-js skips when it builds a map literal as a plain object. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function compileMap(entries: ReadonlyArray<readonly [ASTNode, ASTNode]>, scope: Scope): Closure {
  const compiled = entries.map(([key, value]) => [compileNode(key, scope), compileNode(value, scope)] as const);
  return (root) => {
    const map: Record<string, unknown> = {};
    for (const [key, value] of compiled) {
      const keyValue = key(root);
      if (isError(keyValue)) {
        return keyValue;
      }
      const item = value(root);
      if (isError(item)) {
        return item;
      }
      const name = String(keyValue);
      if (!UNSAFE_KEYS.has(name)) {
        map[name] = item;
      }
    }
    return map;
  };
}

function compileBinary(node: ASTNode, scope: Scope): Closure {
  const op = node.op;
  const [leftNode, rightNode] = node.args as [ASTNode, ASTNode];
  const left = compileNode(leftNode, scope);
  const right = compileNode(rightNode, scope);

  switch (op) {
    case '==':
    case '!=':
      return compileEquality(op, left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(op, node, left, right);
    case 'in':
      return compileMembership(node, left, right);
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      const operate = arithmeticOperator(op, node);
      return (root) => {
        const a = left(root);
        if (isError(a)) {
          return a;
        }
        const b = right(root);
        return isError(b) ? b : operate(a, b);
      };
    }
    default:
      throw new UnsupportedConstruct(`the operator ${op}`);
  }
}
