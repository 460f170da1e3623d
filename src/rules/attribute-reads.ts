// Finds which attributes a CEL expression reads, by walking its AST. The
// result drives phase inference (a rule runs once everything it reads can be
// known) and rejects attributes ctxproc does not provide, with a position.
import type { ASTNode } from '@marcbachmann/cel-js';
import { Phase } from '../model/phase.js';
import { attributeFields, attributeSpec, isAttributeRoot, isValueRoot, VALUE_ROOTS } from './attributes.js';
import type { AttributeRoot } from './attributes.js';

/** One read of root.field (field null when the whole root is used), with its range in the expression. */
export interface AttributeRead {
  root: AttributeRoot;
  field: string | null;
  start: number;
  end: number;
}

/** Macros whose first argument names a variable bound in the other arguments. */
const ITERATION_MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Returns every attribute read in ast, ignoring names shadowed by macro variables. */
export function findAttributeReads(ast: ASTNode): AttributeRead[] {
  const reads: AttributeRead[] = [];
  walk(ast, new Set(), reads);
  return reads;
}

function walk(node: ASTNode, bound: ReadonlySet<string>, reads: AttributeRead[]): void {
  const read = attributeAccess(node, bound);
  if (read !== null) {
    reads.push(read);
    return;
  }

  if (node.op === 'rcall') {
    walkMethodCall(node.args, bound, reads);
    return;
  }
  walkChildren(node.args, bound, reads);
}

/** Recognizes `root`, `root.field` and `root['field']` for an unshadowed root; a value root (detections) has no fields. */
function attributeAccess(node: ASTNode, bound: ReadonlySet<string>): AttributeRead | null {
  const range = { start: node.range.start, end: node.range.end };

  if (node.op === 'id') {
    return isRoot(node.args, bound) ? { root: node.args as AttributeRoot, field: null, ...range } : null;
  }
  if (!isGroupAccess(node, bound)) {
    return null;
  }

  if (node.op === '.' || node.op === '.?') {
    const [target, field] = node.args;
    return target.op === 'id' && isRoot(target.args, bound) ? { root: target.args as AttributeRoot, field, ...range } : null;
  }

  if (node.op === '[]' || node.op === '[?]') {
    const [target, index] = node.args;
    const literalKey = index.op === 'value' && typeof index.args === 'string';
    return target.op === 'id' && isRoot(target.args, bound) && literalKey ? { root: target.args as AttributeRoot, field: index.args as string, ...range } : null;
  }

  return null;
}

/** Returns true for `x.f` or `x[k]` where x is an unshadowed root with fields. */
function isGroupAccess(node: ASTNode, bound: ReadonlySet<string>): boolean {
  const isAccess = node.op === '.' || node.op === '.?' || node.op === '[]' || node.op === '[?]';
  const target = isAccess ? (node.args as [ASTNode, unknown])[0] : null;
  return target !== null && target.op === 'id' && isRoot(target.args, bound) && !isValueRoot(target.args as AttributeRoot);
}

function isRoot(name: string, bound: ReadonlySet<string>): boolean {
  return isAttributeRoot(name) && !bound.has(name);
}

function walkMethodCall(args: [string, ASTNode, ASTNode[]], bound: ReadonlySet<string>, reads: AttributeRead[]): void {
  const [name, receiver, callArgs] = args;
  walk(receiver, bound, reads);

  // list.exists(x, predicate) and friends bind x; cel.bind(x, value, body)
  // binds x in body only.
  const variable = callArgs[0]?.op === 'id' ? callArgs[0].args : null;
  const isIteration = ITERATION_MACROS.has(name) && variable !== null;
  const isBind = name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && variable !== null;
  if (!isIteration && !isBind) {
    callArgs.forEach((arg) => walk(arg, bound, reads));
    return;
  }

  const inner = new Set(bound).add(variable);
  callArgs.slice(1).forEach((arg, index) => walk(arg, isBind && index === 0 ? bound : inner, reads));
}

function walkChildren(args: unknown, bound: ReadonlySet<string>, reads: AttributeRead[]): void {
  if (Array.isArray(args)) {
    args.forEach((item) => walkChildren(item, bound, reads));
    return;
  }
  if (isNode(args)) {
    walk(args, bound, reads);
  }
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

/** Returns a message for each read of a field ctxproc does not provide. */
export function unknownAttributes(reads: readonly AttributeRead[]): Array<{ read: AttributeRead; message: string }> {
  const unknown: Array<{ read: AttributeRead; message: string }> = [];
  for (const read of reads) {
    if (read.field === null || attributeSpec(read.root, read.field) !== undefined) {
      continue;
    }
    const message = `unknown attribute '${read.root}.${read.field}'; ${read.root} has: ${attributeFields(read.root).join(', ')}`;
    unknown.push({ read, message });
  }
  return unknown;
}

/** The phase a set of reads needs, and the attribute that needs it (null when nothing is read). */
export interface PhaseNeed {
  phase: Phase;
  attribute: string | null;
}

/** Attribute names already joined, so that every rule reading one keeps the same string rather than its own copy. */
const joinedNames = new Map<string, string>();

/**
 * Returns "root.field" as one string shared by every rule. Callers pass
 * only fields the attribute schema defines, so the map stays as small as the
 * schema.
 */
export function attributeName(root: string, field: string): string {
  const name = `${root}.${field}`;
  const shared = joinedNames.get(name);
  if (shared !== undefined) {
    return shared;
  }

  joinedNames.set(name, name);
  return name;
}

/** The need of an action that reads nothing: it can run at the first phase. Shared by all such actions, so it is frozen. */
export const FIRST_PHASE_NEED: Readonly<PhaseNeed> = Object.freeze({ phase: Phase.RequestHeaders, attribute: null });

/** Returns the latest phase among reads; a whole root needs the latest phase of its fields. */
export function phaseOfReads(reads: readonly AttributeRead[]): PhaseNeed {
  let need: PhaseNeed = { phase: Phase.RequestHeaders, attribute: null };

  for (const read of reads) {
    if (isValueRoot(read.root)) {
      need = laterNeed(need, { phase: VALUE_ROOTS[read.root].phase, attribute: read.root });
      continue;
    }

    const fields = read.field === null ? attributeFields(read.root) : [read.field];
    for (const field of fields) {
      const spec = attributeSpec(read.root, field);
      if (spec !== undefined && (need.attribute === null || spec.phase > need.phase)) {
        need = { phase: spec.phase, attribute: read.field === null ? read.root : attributeName(read.root, field) };
      }
    }
  }
  return need;
}

/** Returns the later of two needs, keeping the first on a tie. */
export function laterNeed(a: PhaseNeed, b: PhaseNeed): PhaseNeed {
  if (a.attribute === null) {
    return b;
  }
  return b.attribute !== null && b.phase > a.phase ? b : a;
}
