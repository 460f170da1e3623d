// The positions of every node of a parsed rule file, taken from its YAML
// document into plain data. A SourceFile locates problems from this table,
// so the document can be dropped once the file has parsed, and a worker
// thread can parse a file and send the table back by structured clone.
import { isAlias, isMap, isPair, isScalar, isSeq, Scalar } from 'yaml';
import type { Alias, Document, Node } from 'yaml';
import type { PathSegment } from './source.js';

/** The start of one node of the document, and the positions a problem pointing into it needs. */
export interface NodeLocation {
  /** Offset of the node's first character in the file. */
  start: number;
  /** The kind of address of the node's children: map keys, sequence indexes, or none. */
  children: 'map' | 'seq' | null;
  /** For an alias, the key of the node it refers to, where the children are recorded. */
  aliasOf?: string;
  /** Offsets of the node's map keys, when the node itself is a map; the first of repeated keys. */
  keys?: Record<string, number>;
  /**
   * Offset in the file of the scalar's first value character. It is null
   * when offsets in the value do not map one to one to the file.
   */
  scalarBase?: number | null;
}

/** The node locations of one file, by path key (childKey), and the offsets where its lines start. */
export interface SourceLocations {
  nodes: Map<string, NodeLocation>;
  lineStarts: number[];
}

const ROOT_KEY = '';

/** Returns the key of a child of the node at parentKey; children of maps are found by key text, as yaml's toJS does. */
export function childKey(parentKey: string, segment: PathSegment): string {
  return `${parentKey}/${typeof segment === 'number' ? segment : JSON.stringify(segment)}`;
}

/** Returns the key of the deepest node on path that exists, and how many segments it used. */
export function deepestKey(locations: SourceLocations, path: readonly PathSegment[]): { key: string; depth: number } | null {
  let key = ROOT_KEY;
  let location = locations.nodes.get(key);
  if (location === undefined) {
    return null;
  }

  for (let depth = 0; depth < path.length; depth += 1) {
    const segment = path[depth]!;
    const next = childOf(locations, key, location, segment);
    if (next === null) {
      return { key, depth };
    }
    key = next.key;
    location = next.location;
  }
  return { key, depth: path.length };
}

function childOf(locations: SourceLocations, key: string, location: NodeLocation, segment: PathSegment): { key: string; location: NodeLocation } | null {
  // A path through an alias points at the alias itself, and its children are the aliased node's.
  const parentKey = location.aliasOf ?? key;
  let next: string;
  if (location.children === 'map') {
    next = childKey(parentKey, String(segment));
  } else if (location.children === 'seq' && typeof segment === 'number') {
    next = childKey(parentKey, segment);
  } else {
    return null;
  }

  const child = locations.nodes.get(next);
  return child === undefined ? null : { key: next, location: child };
}

/**
 * Records the location of every node of document reachable from its root.
 * An alias is recorded once, with a link to its node, so the table grows
 * with the text however often a node is aliased, and an alias inside the
 * node it refers to does not loop.
 */
export function locateNodes(document: Document.Parsed, text: string, lineStarts: number[]): SourceLocations {
  const nodes = new Map<string, NodeLocation>();
  const walker: Walker = { document, text, nodes, keys: new Map() };
  if (document.contents !== null) {
    walk(walker, document.contents, ROOT_KEY);
  }
  return { nodes, lineStarts };
}

interface Walker {
  document: Document.Parsed;
  text: string;
  nodes: Map<string, NodeLocation>;
  /** The key each node was recorded under, so that aliases can link to it. */
  keys: Map<Node, string>;
}

function walk(walker: Walker, node: Node, key: string): void {
  const location: NodeLocation = { start: node.range?.[0] ?? 0, children: childrenOf(node) };
  if (isAlias(node)) {
    walkAlias(walker, node, key, location);
    return;
  }

  if (isMap(node)) {
    location.keys = keyStarts(node);
  }
  if (isScalar(node)) {
    location.scalarBase = scalarBase(walker.text, node);
  }
  walker.nodes.set(key, location);
  walker.keys.set(node, key);
  walkChildren(walker, node, key);
}

function walkAlias(walker: Walker, alias: Alias, key: string, location: NodeLocation): void {
  const target = alias.resolve(walker.document);
  location.children = target === undefined ? null : childrenOf(target);
  const targetKey = target === undefined ? undefined : walker.keys.get(target);
  if (targetKey !== undefined) {
    location.aliasOf = targetKey;
  }
  walker.nodes.set(key, location);

  // An anchor on a map key is never recorded, so its node's children are recorded under the alias.
  if (target !== undefined && targetKey === undefined) {
    walker.keys.set(target, key);
    walkChildren(walker, target, key);
  }
}

function childrenOf(node: Node): NodeLocation['children'] {
  return isMap(node) ? 'map' : isSeq(node) ? 'seq' : null;
}

function walkChildren(walker: Walker, node: Node, key: string): void {
  if (isMap(node)) {
    // Of repeated keys the first pair counts, even when its value is empty, as a lookup by key finds it first.
    const seen = new Set<string>();
    for (const item of node.items) {
      if (!isPair(item) || !isScalar(item.key)) {
        continue;
      }
      const name = String(item.key.value);
      if (!seen.has(name) && item.value !== null && item.value !== undefined) {
        walk(walker, item.value as Node, childKey(key, name));
      }
      seen.add(name);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      if (item !== null && item !== undefined) {
        walk(walker, item as Node, childKey(key, index));
      }
    });
  }
}

function keyStarts(node: Node & { items: unknown[] }): Record<string, number> {
  const keys: Record<string, number> = {};
  const mapStart = node.range?.[0] ?? 0;
  for (const item of node.items) {
    const pairKey = (item as { key?: unknown }).key;
    if (isScalar(pairKey)) {
      const name = String(pairKey.value);
      if (!Object.hasOwn(keys, name)) {
        keys[name] = pairKey.range?.[0] ?? mapStart;
      }
    }
  }
  return keys;
}

/**
 * Returns the file offset of a scalar's first value character when the
 * value is written on one line without escapes, and null otherwise,
 * because folding and escapes break the one-to-one mapping.
 */
function scalarBase(text: string, node: Scalar): number | null {
  const start = node.range?.[0] ?? 0;
  const end = node.range?.[1] ?? start;
  const raw = text.slice(start, end);
  const value = String(node.value);

  if (node.type === Scalar.PLAIN && raw === value) {
    return start;
  }
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  if (quoted && raw.slice(1, -1) === value) {
    return start + 1;
  }
  return null;
}
