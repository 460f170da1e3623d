// SourceFile locates problems from a table of node positions instead of
// the YAML document. These tests compare it with a lookup in the yaml
// package's node tree of the same document, on every path of
// files with aliases, quoted and folded scalars, repeated keys and flow
// collections, and check that the table survives a structured clone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';
import type { Document, Node } from 'yaml';
import { SourceFile, type Anchor, type PathSegment } from '../../src/rules/source.js';

const FILES: Record<string, string> = {
  rules: [
    'apiVersion: ctxproc.dev/v1',
    'kind: RuleSet',
    'metadata: { name: "quoted name", labels: [a, b] }',
    'rules:',
    '  - id: plain-id',
    '    description: >',
    '      folded text',
    '      over two lines',
    `    when: "request.headers['x-a'] == 'b'"`,
    '    actions:',
    '      - tag: { team: payments }',
    "  - id: 'single-quoted'",
    '    description: "escaped \\" quote"',
    '    when: request.method == "GET"',
    '    actions: []',
    '',
  ].join('\n'),
  aliases: [
    'defaults: &defaults',
    '  mode: monitor',
    '  tags: { team: core }',
    'rules:',
    '  - id: first',
    '    settings: *defaults',
    '  - id: second',
    '    settings: *defaults',
    'loop: &loop [1, *loop]',
    '',
  ].join('\n'),
  repeated: ['name: first', 'name: second', 'empty:', 'list:', '  - ', '  - value', ''].join('\n'),
  empty: '',
};

/** Returns the node at path as a walk of the document finds it, following aliases, or undefined. */
function nodeInDocument(document: Document.Parsed, path: readonly PathSegment[]): Node | undefined {
  let node: unknown = document.contents;
  for (const segment of path) {
    if (isAlias(node)) {
      node = node.resolve(document);
    }
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      node = pair?.value ?? undefined;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      node = undefined;
    }
    if (node === undefined) {
      return undefined;
    }
  }
  return node as Node;
}

/** Returns the offset a problem at path points at, computed from the document. */
function offsetInDocument(document: Document.Parsed, text: string, path: readonly PathSegment[], anchor: Anchor): number {
  let depth = path.length;
  let node = nodeInDocument(document, path);
  while (node === undefined && depth > 0) {
    depth -= 1;
    node = nodeInDocument(document, path.slice(0, depth));
  }
  if (node === undefined || node === null) {
    return 0;
  }

  if (anchor.key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === anchor.key);
    return (pair?.key as Node | undefined)?.range?.[0] ?? node.range?.[0] ?? 0;
  }
  if (anchor.offset !== undefined && isScalar(node)) {
    const start = node.range?.[0] ?? 0;
    const raw = text.slice(start, node.range?.[1] ?? start);
    const value = String(node.value);
    if (node.type === Scalar.PLAIN && raw === value) {
      return start + anchor.offset;
    }
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    return quoted && raw.slice(1, -1) === value ? start + 1 + anchor.offset : start;
  }
  return node.range?.[0] ?? 0;
}

/** Lists the paths of data, with one missing child under each node, a missing index and a depth limit against alias loops. */
function pathsOf(data: unknown, prefix: PathSegment[] = [], depth = 0): PathSegment[][] {
  const paths: PathSegment[][] = [prefix, [...prefix, 'missing'], [...prefix, 99]];
  if (depth > 5 || data === null || typeof data !== 'object') {
    return paths;
  }

  const entries: Array<[PathSegment, unknown]> = Array.isArray(data) ? data.map((value, index) => [index, value]) : Object.entries(data);
  for (const [segment, value] of entries) {
    paths.push(...pathsOf(value, [...prefix, segment], depth + 1));
  }
  return paths;
}

const ANCHORS: Anchor[] = [{}, { key: 'id' }, { key: 'name' }, { key: 'absent' }, { offset: 0 }, { offset: 3 }];

for (const [name, text] of Object.entries(FILES)) {
  test(`locate matches the document: ${name}`, () => {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const source = new SourceFile(`${name}.yaml`, text);
    const cloned = new SourceFile(`${name}.yaml`, text, structuredClone(source.parts()));
    const data = document.toJS({ maxAliasCount: 100 }) as unknown;

    for (const path of pathsOf(data)) {
      for (const anchor of ANCHORS) {
        const offset = offsetInDocument(document, text, path, anchor);
        const position = lines.linePos(offset);
        const expected = position.line === 0 ? { line: 1, column: offset + 1 } : { line: position.line, column: position.col };
        const where = `${JSON.stringify(path)} ${JSON.stringify(anchor)}`;

        assert.deepEqual(source.locate(path, anchor), expected, where);
        assert.deepEqual(cloned.locate(path, anchor), expected, `${where}, cloned`);
      }
    }
  });
}

test('cloned parts keep data and problems', () => {
  const text = 'rules:\n  - id: a\n    when: [unclosed\n';
  const source = new SourceFile('broken.yaml', text);

  const cloned = new SourceFile('broken.yaml', text, structuredClone(source.parts()));

  assert.equal(source.data, undefined);
  assert.equal(cloned.data, undefined);
  assert.ok(source.problems.length > 0);
  assert.deepEqual(cloned.problems, source.problems);
});
