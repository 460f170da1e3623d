// The values a compiled closure reads while it runs, and the compiler's scope.
import type { NamedLists } from '../functions/named-lists.js';

/** The attribute roots of one evaluation, an Activation at run time. */
export type Root = Readonly<Record<string, unknown>>;

/** A compiled expression node. */
export type Closure = (root: Root) => unknown;

/** Thrown at load time for a construct the compiler does not translate, so the caller can use the interpreter. */
export class UnsupportedConstruct extends Error {
  constructor(construct: string) {
    super(`the compiler does not translate ${construct}`);
    this.name = 'UnsupportedConstruct';
  }
}

/**
 * Names in scope while compiling: macro and cel.bind variables by slot, and
 * the rule file's named lists. The slots array belongs to one compiled
 * expression and is reused by every evaluation of it, which saves an
 * allocation per evaluation. That is safe because an evaluation runs to the
 * end synchronously and nothing it calls evaluates the same expression again.
 */
export interface Scope {
  readonly variables: ReadonlyMap<string, number>;
  readonly lists: NamedLists;
  readonly slots: unknown[];
}

/** Reserves a slot for a new variable and returns its index. */
export function newSlot(scope: Scope): number {
  scope.slots.push(undefined);
  return scope.slots.length - 1;
}

/** Returns the type cel-js's checker stored on a node; kind is 'message', 'map', 'list', 'dyn' or a primitive name. */
export function checkedTypeOf(node: object): { kind?: string; name?: string } | undefined {
  return (node as { checkedType?: { kind?: string; name?: string } }).checkedType;
}
