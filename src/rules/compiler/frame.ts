// The state a compiled closure reads while it runs, and the compiler's scope.
import type { NamedLists } from '../functions/named-lists.js';

/** The attribute roots of one evaluation and the slots of macro and cel.bind variables. */
export interface Frame {
  readonly root: Readonly<Record<string, unknown>>;
  readonly slots: unknown[];
}

/** A compiled expression node. */
export type Closure = (frame: Frame) => unknown;

/** Thrown at load time for a construct the compiler does not translate, so the caller can use the interpreter. */
export class UnsupportedConstruct extends Error {
  constructor(construct: string) {
    super(`the compiler does not translate ${construct}`);
    this.name = 'UnsupportedConstruct';
  }
}

/** Names in scope while compiling: macro variables by slot, and the rule file's named lists. */
export interface Scope {
  readonly variables: ReadonlyMap<string, number>;
  readonly lists: NamedLists;
  /** Slots used so far by the whole expression; the frame allocates this many. */
  readonly slotCount: { value: number };
}

/** Returns the type cel-js's checker stored on a node; kind is 'message', 'map', 'list', 'dyn' or a primitive name. */
export function checkedTypeOf(node: object): { kind?: string; name?: string } | undefined {
  return (node as { checkedType?: { kind?: string; name?: string } }).checkedType;
}
