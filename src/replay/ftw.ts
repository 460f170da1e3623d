// Reads go-ftw YAML test files (the OWASP CRS regression test format) into
// replay items: one per test stage, built as go-ftw sends it and then judged
// by Envoy's HTTP/1 rules.
import path from 'node:path';
import YAML from 'yaml';
import { buildFtwRequest, type FtwInput } from './ftw-request.js';
import { admitHttp1Request, type Http1Settings } from './http1-admission.js';
import { skipped, type FtwExpectation, type FtwItem, type ParsedItem } from './items.js';

export interface FtwParseOptions {
  /** Envoy HTTP/1 settings that decide which stages Envoy would reject. */
  http1?: Http1Settings;
}

type YamlMap = Record<string, unknown>;

/** Parses one go-ftw file; throws when it is not valid YAML or has no `tests` list. */
export function parseFtwFile(text: string, filePath: string, options: FtwParseOptions = {}): ParsedItem[] {
  const name = path.basename(filePath);
  const document = parseYaml(text, filePath);
  const tests = document.tests;
  if (!Array.isArray(tests)) {
    throw new Error(`${filePath} is not a go-ftw test file: it has no "tests" list; pass go-ftw YAML or HAR files`);
  }

  const enabled = asMap(document.meta)?.enabled !== false;
  const items: ParsedItem[] = [];
  tests.forEach((test, index) => {
    items.push(...parseTest(asMap(test) ?? {}, index, name, enabled, options));
  });
  return items;
}

function parseYaml(text: string, filePath: string): YamlMap {
  let document: unknown;
  try {
    document = YAML.parse(text, { uniqueKeys: false });
  } catch (error) {
    throw new Error(`${filePath} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const map = asMap(document);
  if (map === undefined) {
    throw new Error(`${filePath} is not a go-ftw test file: its top level is not a map; pass go-ftw YAML or HAR files`);
  }
  return map;
}

function parseTest(test: YamlMap, index: number, fileName: string, enabled: boolean, options: FtwParseOptions): ParsedItem[] {
  const testId = String(test.test_id ?? test.test_title ?? index + 1);
  const stages = Array.isArray(test.stages) ? test.stages : [];

  return stages.map((entry, stageIndex) => {
    const source = `${fileName}#test ${testId} stage ${stageIndex + 1}`;
    if (!enabled) {
      return skipped(source, 'ftw_disabled', 'the file sets meta.enabled: false, so go-ftw skips it');
    }

    // Older go-ftw files wrap each stage in a `stage` key.
    const stageMap = asMap(entry) ?? {};
    const stage = asMap(stageMap.stage) ?? stageMap;
    return parseStage(asMap(stage.input) ?? {}, asMap(stage.output) ?? {}, source, options);
  });
}

function parseStage(input: FtwInput, output: YamlMap, source: string, options: FtwParseOptions): ParsedItem {
  const built = buildFtwRequest(input);
  if ('reason' in built) {
    return skipped(source, built.reason, built.detail);
  }

  const admitted = admitHttp1Request(built.raw, { ...options.http1, scheme: built.scheme });
  if (!admitted.ok) {
    return skipped(source, admitted.reason, admitted.detail);
  }
  const item: FtwItem = { kind: 'ftw', source, request: admitted.request, expect: expectationOf(output), notes: admitted.notes };
  return item;
}

function expectationOf(output: YamlMap): FtwExpectation {
  const log = asMap(output.log) ?? {};
  const expectation: FtwExpectation = {};

  // go-ftw 1.x put expect_ids under output.log; older files used
  // output.expect_ids or log_contains: 'id "942100"'.
  const ids = [...numbers(log.expect_ids ?? output.expect_ids), ...idsIn(output.log_contains)];
  const noIds = [...numbers(log.no_expect_ids ?? output.no_expect_ids), ...idsIn(output.no_log_contains)];
  const status = numbers(output.status);
  if (ids.length > 0) {
    expectation.ids = ids;
  }
  if (noIds.length > 0) {
    expectation.noIds = noIds;
  }
  if (status.length > 0) {
    expectation.status = status;
  }
  if (output.expect_error === true) {
    expectation.expectError = true;
  }
  return expectation;
}

// go-ftw accepts a single value or a list, e.g. `status: 403` or `status: [403]`.
function numbers(value: unknown): number[] {
  if (value === undefined || value === null) {
    return [];
  }
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map(Number).filter(Number.isInteger);
}

function idsIn(value: unknown): number[] {
  if (typeof value !== 'string') {
    return [];
  }
  return [...value.matchAll(/id "(\d+)"/g)].map((match) => Number(match[1]));
}

function asMap(value: unknown): YamlMap | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as YamlMap) : undefined;
}
