// A cel-js AST node keeps its operands in `args`, which contains nodes, lists of
// nodes, or plain values (names, literals). Walkers share this one reading.
import type { ASTNode } from '@marcbachmann/cel-js';

/** Returns the AST nodes inside a node's `args`, in order, at any list depth. */
export function childNodes(args: unknown): ASTNode[] {
  if (Array.isArray(args)) {
    return args.flatMap(childNodes);
  }
  return typeof args === 'object' && args !== null && 'op' in args && 'args' in args ? [args as ASTNode] : [];
}

/** Calls `visit` on every node of the tree, parents before children. */
export function forEachNode(root: ASTNode, visit: (node: ASTNode) => void): void {
  visit(root);
  for (const child of childNodes(root.args)) {
    forEachNode(child, visit);
  }
}
