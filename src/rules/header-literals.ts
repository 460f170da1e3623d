// Finds header names written in upper case where CEL reads a header map,
// such as request.headers['X-Tenant'] or 'X-Tenant' in response.headers.
// The maps have lower-case keys, as Envoy sends them, so such a lookup never
// matches. Rejecting it at load time avoids a rule that silently never fires.
import type { ASTNode } from '@marcbachmann/cel-js';
import { forEachNode } from './ast-nodes.js';

const HEADER_MAPS = new Set(['headers', 'trailers']);
const ROOTS_WITH_HEADERS = new Set(['request', 'response']);

/** A string literal used as a header map key that is not lower-case. */
export interface HeaderLiteral {
  name: string;
  start: number;
}

/**
 * Returns the header names that ast reads values of (`request.headers['x']`),
 * lower-cased, without repeats. Tests such as `'x' in request.headers` read
 * no value and are left out.
 */
export function headerKeysRead(ast: ASTNode): string[] {
  const found = new Set<string>();
  forEachNode(ast, (node) => {
    const literal = node.op === '[]' || node.op === '[?]' ? headerKeyLiteral(node) : null;
    if (literal !== null) {
      found.add(literal.args.toLowerCase());
    }
  });
  return [...found];
}

/** Returns every upper-case header name literal used to index or test a header map in ast. */
export function upperCaseHeaderLiterals(ast: ASTNode): HeaderLiteral[] {
  const found: HeaderLiteral[] = [];
  forEachNode(ast, (node) => {
    const literal = headerKeyLiteral(node);
    if (literal !== null && literal.args !== literal.args.toLowerCase()) {
      found.push({ name: literal.args, start: literal.range.start });
    }
  });
  return found;
}

/** Returns the key literal of `map['Key']` or `'Key' in map` when map is a header map. */
function headerKeyLiteral(node: ASTNode): (ASTNode & { op: 'value'; args: string }) | null {
  let map: ASTNode | undefined;
  let key: ASTNode | undefined;
  if (node.op === '[]' || node.op === '[?]') {
    [map, key] = node.args;
  } else if (node.op === 'in') {
    [key, map] = node.args;
  }

  if (map === undefined || key === undefined || !isHeaderMap(map)) {
    return null;
  }
  return key.op === 'value' && typeof key.args === 'string' ? (key as ASTNode & { op: 'value'; args: string }) : null;
}

function isHeaderMap(node: ASTNode): boolean {
  if (node.op !== '.' && node.op !== '.?') {
    return false;
  }
  const [target, field] = node.args;
  return HEADER_MAPS.has(field) && target.op === 'id' && ROOTS_WITH_HEADERS.has(target.args);
}
