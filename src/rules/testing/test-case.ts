// Rule tests as written under `tests:` in a rule file, turned into plain
// data with defaults filled in and the file position of every expectation,
// so that a failure points at the line that states what was expected.
import type { HeaderList } from '../../model/exchange.js';
import { headerNameProblem } from '../http-names.js';
import type { RuleProblem } from '../problems.js';
import type { PathSegment, SourceFile } from '../source.js';

/** A position in a rule file; line and column are 1-based. */
export interface FilePosition {
  file: string;
  line: number;
  column: number;
}

// NOTE: a test cannot yet express trailers, an upstream that resets instead
// of responding, or connection attributes (destination, mTLS, SNI).
export interface TestRequest {
  method: string;
  /** `:path`, with the query string. */
  path: string;
  host: string;
  scheme: 'http' | 'https';
  headers: HeaderList;
  body: string | null;
  source: { address: string; port: number };
}

export interface TestResponse {
  status: number;
  headers: HeaderList;
  body: string | null;
}

/** Expected header state: this exact value, present (true) or absent (false). */
export type HeaderExpectation = string | boolean;

/** The expectations of a test, as written; an absent key is not checked. */
export interface TestExpectation {
  blocked?: boolean;
  status?: number;
  logged?: boolean;
  matched?: string[];
  not_matched?: string[];
  tags?: Record<string, string>;
  fields?: Record<string, unknown>;
  upstream_headers?: Record<string, HeaderExpectation>;
  downstream_headers?: Record<string, HeaderExpectation>;
  redacted?: string[];
}

export interface RuleTest {
  name: string;
  /** Position of the test's `name`. */
  position: FilePosition;
  request: TestRequest;
  /** Null when the test gives none, and the upstream then returns 200 with no headers. */
  response: TestResponse | null;
  expect: TestExpectation;
  /** Position of each expectation and of its entries: `blocked`, `matched`, `matched.0`, `upstream_headers.x-a`, ... */
  expectationPositions: ReadonlyMap<string, FilePosition>;
}

/** The documentation address RFC 5737 reserves, so a test never names a real client. */
export const DEFAULT_SOURCE = { address: '203.0.113.10', port: 40000 };
export const DEFAULT_HOST = 'shop.example';

interface TestDocument {
  name: string;
  request: {
    method?: string;
    path: string;
    host?: string;
    scheme?: 'http' | 'https';
    headers?: Record<string, string | string[]>;
    body?: string;
    source?: { address: string; port?: number };
  };
  response?: { status?: number; headers?: Record<string, string | string[]>; body?: string };
  expect: TestExpectation;
}

/**
 * Reads the tests of file whose values passed the schema. Problems that the
 * schema cannot see, such as a repeated test name or an invalid header
 * name, are reported on file. Rule ids are checked later, by
 * checkTestRuleIds, once every file of the set is compiled.
 */
export function compileTests(file: SourceFile, invalidPaths: readonly PathSegment[][]): RuleTest[] {
  const data = file.data as { tests?: unknown } | null;
  if (data === null || typeof data !== 'object' || !Array.isArray(data.tests)) {
    return [];
  }

  const tests: RuleTest[] = [];
  const names = new Map<string, number>();
  data.tests.forEach((entry: unknown, index) => {
    const path: PathSegment[] = ['tests', index];
    const hasSchemaError = invalidPaths.some((invalid) => invalid[0] === 'tests' && (invalid.length === 1 || invalid[1] === index));
    if (hasSchemaError) {
      return;
    }

    const test = entry as TestDocument;
    const earlier = names.get(test.name);
    if (earlier !== undefined) {
      file.report('invalid_test', [...path, 'name'], `duplicate test name '${test.name}': test ${earlier + 1} of this file has it already; give each test its own name`);
      return;
    }
    names.set(test.name, index);

    if (checkHeaderNames(file, test, path)) {
      tests.push(toRuleTest(file, test, path));
    }
  });
  return tests;
}

/** A rule id that a test expects to match or not, and where the test writes it. */
export interface TestRuleReference {
  id: string;
  testName: string;
  key: 'matched' | 'not_matched';
  line: number;
  column: number;
}

/**
 * Lists the rule ids that the tests of file expect, each located in the
 * file. Tests may name rules of later files, so the ids are checked once
 * every file has compiled (checkTestRuleIds). Locating them now lets the
 * loader drop each file's YAML document as soon as the file has compiled.
 */
export function testRuleReferences(file: SourceFile): TestRuleReference[] {
  const data = file.data as { tests?: TestDocument[] };
  if (!Array.isArray(data?.tests)) {
    return [];
  }

  const references: TestRuleReference[] = [];
  data.tests.forEach((test, index) => {
    for (const key of ['matched', 'not_matched'] as const) {
      const ids: unknown = test?.expect?.[key];
      if (!Array.isArray(ids)) {
        continue;
      }
      ids.forEach((id: unknown, position) => {
        if (typeof id === 'string') {
          references.push({ id, testName: String(test.name), key, ...file.locate(['tests', index, 'expect', key, position]) });
        }
      });
    }
  });
  return references;
}

/** Adds to problems one problem for each reference to a rule id that no loaded file defines; path is the references' file. */
export function checkTestRuleIds(path: string, references: readonly TestRuleReference[], ruleIds: ReadonlySet<string>, problems: RuleProblem[]): void {
  for (const { id, testName, key, line, column } of references) {
    if (!ruleIds.has(id)) {
      const known = [...ruleIds].join(', ');
      const message = `test '${testName}' expects ${key} rule '${id}', but no loaded file defines it; known rule ids: ${known}`;
      problems.push({ code: 'invalid_test', file: path, line, column, message });
    }
  }
}

function checkHeaderNames(file: SourceFile, test: TestDocument, path: PathSegment[]): boolean {
  const maps: Array<[PathSegment[], Record<string, unknown> | undefined]> = [
    [[...path, 'request', 'headers'], test.request.headers],
    [[...path, 'response', 'headers'], test.response?.headers],
    [[...path, 'expect', 'upstream_headers'], test.expect.upstream_headers],
    [[...path, 'expect', 'downstream_headers'], test.expect.downstream_headers],
  ];

  let valid = true;
  for (const [mapPath, headers] of maps) {
    for (const name of Object.keys(headers ?? {})) {
      const problem = headerNameProblem(name);
      if (problem !== null) {
        file.report('invalid_test', mapPath, `${problem} in test '${test.name}'`, { key: name });
        valid = false;
      }
    }
  }
  return valid;
}

function toRuleTest(file: SourceFile, test: TestDocument, path: PathSegment[]): RuleTest {
  const request = test.request;
  const response = test.response;

  return {
    name: test.name,
    position: positionOf(file, [...path, 'name']),
    request: {
      method: request.method ?? 'GET',
      path: request.path,
      host: request.host ?? DEFAULT_HOST,
      scheme: request.scheme ?? 'https',
      headers: headerList(request.headers),
      body: request.body ?? null,
      source: { address: request.source?.address ?? DEFAULT_SOURCE.address, port: request.source?.port ?? DEFAULT_SOURCE.port },
    },
    response: response === undefined ? null : { status: response.status ?? 200, headers: headerList(response.headers), body: response.body ?? null },
    expect: test.expect,
    expectationPositions: expectationPositions(file, test.expect, [...path, 'expect']),
  };
}

function headerList(headers: Record<string, string | string[]> | undefined): HeaderList {
  const list: HeaderList = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      list.push([name, item]);
    }
  }
  return list;
}

function expectationPositions(file: SourceFile, expect: TestExpectation, path: PathSegment[]): Map<string, FilePosition> {
  const positions = new Map<string, FilePosition>();
  for (const [key, value] of Object.entries(expect)) {
    positions.set(key, positionOf(file, [...path, key]));
    if (Array.isArray(value)) {
      value.forEach((_item, index) => positions.set(`${key}.${index}`, positionOf(file, [...path, key, index])));
    } else if (value !== null && typeof value === 'object') {
      for (const name of Object.keys(value)) {
        positions.set(`${key}.${name}`, positionOf(file, [...path, key, name]));
      }
    }
  }
  return positions;
}

function positionOf(file: SourceFile, path: PathSegment[]): FilePosition {
  return { file: file.path, ...file.locate(path) };
}
