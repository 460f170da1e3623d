// Finds the literal tests in a condition that the rule index can check
// without evaluating it. Only tests joined to the rest of the condition by
// && qualify. CEL's && is false as soon as one operand is false, even when
// another is an error. A failed test therefore proves the whole condition
// false, with no rule error to record.
import type { ASTNode } from '@marcbachmann/cel-js';
import { ATTRIBUTES } from '../attributes.js';
import { anchoredLiteralPrefix } from './regex-prefix.js';

/** A string attribute, or one entry of a string map attribute, that a guard reads. */
export interface Subject {
  /** `root.field`, such as request.url_path or request.headers. */
  readonly attribute: string;
  /** The entry name for a map attribute, such as x-tenant-id; null for a string attribute. */
  readonly entry: string | null;
}

/**
 * A test that makes the condition false when it fails. A value guard fails
 * when the subject's value is a string that equals none of `equals` and
 * starts with none of `prefixes`. A presence guard fails when the subject's
 * map exists and has no such entry.
 */
export type Guard =
  | { readonly kind: 'value'; readonly subject: Subject; readonly equals: readonly string[]; readonly prefixes: readonly string[] }
  | { readonly kind: 'presence'; readonly subject: Subject };

const STRING_MAP = 'map<string, string>';

/**
 * Roots whose values can change while one phase's rules run: ctxproc.tags
 * and ctxproc.matched grow with each rule that matches, so a value read
 * before the first rule would be stale for the later ones.
 */
const CHANGING_ROOTS = new Set(['ctxproc']);

/** Returns the guards among the &&-joined operands of a type-checked condition. */
export function findGuards(ast: ASTNode): Guard[] {
  const guards: Guard[] = [];
  for (const operand of conjuncts(ast)) {
    const guard = guardOf(operand);
    if (guard !== null) {
      guards.push(guard);
    }
  }
  return guards;
}

/** Returns the operands of a chain of && at any nesting, left to right. */
function conjuncts(node: ASTNode): ASTNode[] {
  if (node.op !== '&&') {
    return [node];
  }
  return [...conjuncts(node.args[0]), ...conjuncts(node.args[1])];
}

function guardOf(node: ASTNode): Guard | null {
  switch (node.op) {
    case '==':
      return equalityGuard(node.args[0], node.args[1]) ?? equalityGuard(node.args[1], node.args[0]);
    case 'in':
      return membershipGuard(node.args[0], node.args[1]);
    case 'rcall':
      return methodGuard(node.args[0], node.args[1], node.args[2]);
    case '||':
      return unionGuard(guardOf(node.args[0]), guardOf(node.args[1]));
    default:
      return null;
  }
}

/** The empty side of a value guard, shared by the guards of every rule, since a rule set keeps them all. */
const NO_VALUES: readonly string[] = Object.freeze([]);

function equalityGuard(subjectNode: ASTNode, literalNode: ASTNode): Guard | null {
  const subject = valueSubject(subjectNode);
  const literal = stringLiteral(literalNode);
  return subject === null || literal === null ? null : { kind: 'value', subject, equals: [literal], prefixes: NO_VALUES };
}

/** `subject in ['a', 'b']` is a value guard; `'name' in request.headers` a presence guard. */
function membershipGuard(element: ASTNode, container: ASTNode): Guard | null {
  const subject = valueSubject(element);
  if (subject !== null && container.op === 'list') {
    const values = container.args.map(stringLiteral);
    return values.length > 0 && values.every((value) => value !== null) ? { kind: 'value', subject, equals: values as string[], prefixes: NO_VALUES } : null;
  }

  const entry = stringLiteral(element);
  const map = stringMapAttribute(container);
  return entry !== null && map !== null ? { kind: 'presence', subject: { attribute: map, entry } } : null;
}

/** `subject.startsWith('p')`, and `subject.matches('^p...')` whose pattern starts with the literal text p. */
function methodGuard(name: string, receiver: ASTNode, args: readonly ASTNode[]): Guard | null {
  const subject = valueSubject(receiver);
  const argument = args.length === 1 ? stringLiteral(args[0]!) : null;
  if (subject === null || argument === null) {
    return null;
  }

  let prefix: string | null = null;
  if (name === 'startsWith') {
    prefix = argument;
  } else if (name === 'matches') {
    prefix = anchoredLiteralPrefix(argument);
  }
  // An empty prefix holds for every string, so it filters nothing.
  return prefix === null || prefix === '' ? null : { kind: 'value', subject, equals: NO_VALUES, prefixes: [prefix] };
}

/** Joins two value guards on one subject, because `a || b` is false when both a and b are false. */
function unionGuard(left: Guard | null, right: Guard | null): Guard | null {
  if (left?.kind !== 'value' || right?.kind !== 'value' || subjectKey(left.subject) !== subjectKey(right.subject)) {
    return null;
  }
  return { kind: 'value', subject: left.subject, equals: [...left.equals, ...right.equals], prefixes: [...left.prefixes, ...right.prefixes] };
}

/** Recognizes `root.field` of a string attribute and `root.field['entry']` of a string map attribute. */
function valueSubject(node: ASTNode): Subject | null {
  if (node.op === '.') {
    const attribute = attributeName(node);
    return attribute !== null && attributeType(attribute) === 'string' ? { attribute, entry: null } : null;
  }

  if (node.op === '[]') {
    const [target, key] = node.args;
    const attribute = stringMapAttribute(target);
    const entry = stringLiteral(key);
    return attribute !== null && entry !== null ? { attribute, entry } : null;
  }
  return null;
}

function stringMapAttribute(node: ASTNode): string | null {
  const attribute = node.op === '.' ? attributeName(node) : null;
  return attribute !== null && attributeType(attribute) === STRING_MAP ? attribute : null;
}

/** Returns `root.field` for a field read on an attribute root, else null. */
function attributeName(node: ASTNode & { op: '.' }): string | null {
  const [target, field] = node.args;
  const stable = target.op === 'id' && Object.hasOwn(ATTRIBUTES, target.args) && !CHANGING_ROOTS.has(target.args);
  return stable ? `${target.args}.${field}` : null;
}

function attributeType(attribute: string): string | undefined {
  const [root, field] = attribute.split('.') as [keyof typeof ATTRIBUTES, string];
  const fields = ATTRIBUTES[root].fields as Record<string, { type: string } | undefined>;
  return Object.hasOwn(fields, field) ? fields[field]?.type : undefined;
}

function stringLiteral(node: ASTNode): string | null {
  return node.op === 'value' && typeof node.args === 'string' ? node.args : null;
}

/** Returns a string that names the subject: request.url_path or request.headers['x-tenant-id']. */
export function subjectKey(subject: Subject): string {
  return subject.entry === null ? subject.attribute : `${subject.attribute}[${JSON.stringify(subject.entry)}]`;
}
