// go-ftw YAML files into replay items: hand-written fixtures for each input
// form, and every file of the OWASP CRS corpus when it is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseFtwFile, type FtwParseOptions } from '../../src/replay/ftw.js';
import type { FtwItem, ParsedItem, SkippedItem } from '../../src/replay/items.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/ftw');
const CRS_TESTS = path.resolve(REPO_ROOT, '../shared/corpus/crs/tests');

function parseFixture(name: string, options?: FtwParseOptions): ParsedItem[] {
  const file = path.join(FIXTURES, name);
  return parseFtwFile(fs.readFileSync(file, 'utf8'), file, options);
}

function find(items: ParsedItem[], source: string): ParsedItem {
  const item = items.find((candidate) => candidate.source === source);
  assert.ok(item, `no item ${source}; have ${items.map((candidate) => candidate.source).join(', ')}`);
  return item;
}

function sent(items: ParsedItem[], source: string): FtwItem {
  const item = find(items, source);
  assert.equal(item.kind, 'ftw', `${source} was skipped: ${item.kind === 'skipped' ? item.detail : ''}`);
  return item as FtwItem;
}

function skippedItem(items: ParsedItem[], source: string): SkippedItem {
  const item = find(items, source);
  assert.equal(item.kind, 'skipped', `${source} was not skipped`);
  return item as SkippedItem;
}

function header(item: FtwItem, name: string): string | undefined {
  return item.request.headers.find(([key]) => key === name)?.[1];
}

test('ftw string data gets form encoding and autocompleted headers', () => {
  const item = sent(parseFixture('100001.yaml'), '100001.yaml#test 1 stage 1');
  const body = 'var=1234+OR+1%3D1&q=a%2Fb';

  assert.equal(item.request.method, 'POST');
  assert.equal(item.request.path, '/post');
  assert.equal(item.request.authority, 'localhost');
  assert.equal(item.request.scheme, 'http');
  assert.equal(item.request.body?.toString(), body);
  assert.equal(header(item, 'content-type'), 'application/x-www-form-urlencoded');
  assert.equal(header(item, 'content-length'), String(body.length));
  assert.equal(header(item, 'user-agent'), 'OWASP CRS test agent');
  assert.equal(header(item, 'connection'), undefined, 'Envoy removes the Connection header go-ftw adds');
  assert.deepEqual(item.expect, { ids: [100001] });
});

test('ftw list data is joined with CRLF', () => {
  const item = sent(parseFixture('100001.yaml'), '100001.yaml#test 2 stage 1');
  assert.equal(item.request.body?.toString(), 'first line\r\nsecond line');
  assert.equal(header(item, 'content-type'), 'text/plain');
  assert.equal(header(item, 'content-length'), '23');
  assert.deepEqual(item.expect, { noIds: [100001] });
});

test('ftw autocomplete false sends no body without Content-Length', () => {
  const item = sent(parseFixture('100001.yaml'), '100001.yaml#test 3 stage 1');
  assert.equal(item.request.body, undefined);
  assert.equal(header(item, 'content-length'), undefined);
  assert.match(item.notes.join('\n'), /7 bytes after the request were not sent/);
});

test('ftw stages become one item each', () => {
  const items = parseFixture('100001.yaml').filter((item) => item.source.startsWith('100001.yaml#test 4 '));
  assert.deepEqual(
    items.map((item) => item.source),
    ['100001.yaml#test 4 stage 1', '100001.yaml#test 4 stage 2', '100001.yaml#test 4 stage 3'],
  );

  const [get, multipart, reflect] = items as FtwItem[];
  assert.equal(get!.request.method, 'GET', 'go-ftw defaults the method to GET');
  assert.equal(get!.request.path, '/', 'go-ftw defaults the uri to /');
  assert.equal(header(get!, 'cookie'), 'ssrf=http://2852039166/');
  assert.equal(get!.request.body, undefined);

  const multipartBody = multipart!.request.body?.toString() ?? '';
  assert.match(multipartBody, /^----------397236876\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\npayload\r\n/);
  assert.doesNotMatch(multipartBody.replaceAll('\r\n', ''), /\n/, 'every LF is part of a CRLF');
  assert.equal(header(multipart!, 'content-length'), String(multipartBody.length));
  assert.deepEqual(multipart!.expect, { status: [200, 403] });

  assert.equal(reflect!.request.path, '/reflect');
  assert.equal(JSON.parse(reflect!.request.body?.toString() ?? '').status, 500);
  assert.deepEqual(reflect!.expect, { ids: [100002] });
});

test('ftw expands a sprig repeat template', () => {
  const item = sent(parseFixture('100001.yaml'), '100001.yaml#test 5 stage 1');
  assert.equal(item.request.body?.toString(), 'x=ababab');
  assert.deepEqual(item.expect, { status: [200] });
});

test('ftw skips HTTP/1.0 unless accept_http_10 is set', () => {
  const source = '100001.yaml#test 6 stage 1';
  assert.equal(skippedItem(parseFixture('100001.yaml'), source).reason, 'http1_version_not_accepted');
  assert.equal(sent(parseFixture('100001.yaml', { http1: { acceptHttp10: true } }), source).request.authority, 'localhost');
});

test('ftw skips an unknown method unless custom methods are allowed', () => {
  const source = '100001.yaml#test 7 stage 1';
  assert.equal(skippedItem(parseFixture('100001.yaml'), source).reason, 'http1_invalid_method');
  assert.equal(sent(parseFixture('100001.yaml', { http1: { allowCustomMethods: true } }), source).request.method, 'TEST');
});

test('ftw decodes a chunked encoded_request', () => {
  const item = sent(parseFixture('100002.yaml'), '100002.yaml#test 1 stage 1');
  assert.equal(item.request.method, 'POST');
  assert.equal(item.request.body?.toString(), 'Hi CRS');
  assert.equal(header(item, 'transfer-encoding'), undefined);
  assert.equal(header(item, 'content-length'), undefined);
  assert.deepEqual(item.expect, { ids: [100002] });
});

test('ftw skips encoded requests Envoy would reject', () => {
  const items = parseFixture('100002.yaml');
  assert.equal(skippedItem(items, '100002.yaml#test 2 stage 1').reason, 'http1_incomplete_headers');
  assert.equal(skippedItem(items, '100002.yaml#test 3 stage 1').reason, 'http1_invalid_characters');
});

test('ftw reads the older stage wrapper and log_contains', () => {
  const item = sent(parseFixture('100002.yaml'), '100002.yaml#test 100002-4 stage 1');
  assert.equal(item.request.path, '/?id=1%27%20or%201=1');
  assert.deepEqual(item.expect, { ids: [100002] });
});

test('ftw skips every stage of a disabled file', () => {
  const text = 'meta:\n  enabled: false\ntests:\n  - test_id: 1\n    stages:\n      - input: {uri: /}\n        output: {status: 200}\n';
  const items = parseFtwFile(text, 'off.yaml');
  assert.deepEqual(items, [{ kind: 'skipped', source: 'off.yaml#test 1 stage 1', reason: 'ftw_disabled', detail: 'the file sets meta.enabled: false, so go-ftw skips it' }]);
});

test('ftw skips a template beyond repeat', () => {
  const text = 'tests:\n  - test_id: 1\n    stages:\n      - input:\n          method: POST\n          headers: {Host: a}\n          data: "{{ randAlpha 5 }}"\n';
  const [item] = parseFtwFile(text, 't.yaml');
  assert.equal(item?.kind === 'skipped' ? item.reason : item?.kind, 'ftw_unsupported_template');
});

test('ftw skips a stage with both data and encoded_request', () => {
  const text = 'tests:\n  - test_id: 1\n    stages:\n      - input:\n          data: "a=b"\n          encoded_request: "R0VUIC8gSFRUUC8xLjENCg0K"\n';
  const [item] = parseFtwFile(text, 'both.yaml');
  assert.equal(item?.kind === 'skipped' ? item.reason : item?.kind, 'ftw_bad_input');
});

test('ftw rejects a file that is not go-ftw YAML', () => {
  assert.throws(() => parseFtwFile('tests: [\n', 'broken.yaml'), /broken\.yaml is not valid YAML/);
  assert.throws(() => parseFtwFile('rules: []\n', 'rules.yaml'), /rules\.yaml is not a go-ftw test file: it has no "tests" list/);
  assert.throws(() => parseFtwFile('- 1\n- 2\n', 'list.yaml'), /list\.yaml is not a go-ftw test file/);
});

function yamlFilesUnder(directory: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const entryPath = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      files.push(...yamlFilesUnder(entryPath));
    } else if (/\.ya?ml$/.test(entry.name)) {
      files.push(entryPath);
    }
  }
  return files.sort();
}

const KNOWN_SKIP_REASONS = new Set([
  'http1_invalid_method',
  'http1_invalid_url',
  'http1_invalid_version',
  'http1_version_not_accepted',
  'http1_chunked_content_length',
  'http1_invalid_transfer_encoding',
  'http1_invalid_characters',
  'http1_incomplete_body',
  'http1_incomplete_headers',
  'missing_host_header',
  'invalid_authority',
  'non_relative_path',
  'path_with_fragment',
  'ftw_unsupported_template',
]);

test('ftw parses the whole CRS corpus', (t) => {
  if (!fs.existsSync(CRS_TESTS)) {
    t.skip(`CRS corpus not found at ${CRS_TESTS}: copy the coreruleset tests folder there to run this test`);
    return;
  }

  const files = yamlFilesUnder(CRS_TESTS);
  let stages = 0;
  const items: ParsedItem[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const document = YAML.parse(text) as { tests: Array<{ stages: unknown[] }> };
    stages += document.tests.reduce((count, testCase) => count + testCase.stages.length, 0);
    items.push(...parseFtwFile(text, file));
  }

  const sentItems = items.filter((item): item is FtwItem => item.kind === 'ftw');
  const skippedItems = items.filter((item): item is SkippedItem => item.kind === 'skipped');
  const reasons: Record<string, number> = {};
  for (const item of skippedItems) {
    reasons[item.reason] = (reasons[item.reason] ?? 0) + 1;
  }
  t.diagnostic(`${files.length} files, ${stages} stages, ${sentItems.length} sent, ${skippedItems.length} skipped: ${JSON.stringify(reasons)}`);

  assert.ok(files.length > 0, 'the corpus folder holds YAML files');
  assert.equal(items.length, stages, 'one item per stage');
  assert.ok(sentItems.length >= stages * 0.95, `at least 95% of stages are sent; ${sentItems.length} of ${stages}`);
  for (const reason of Object.keys(reasons)) {
    assert.ok(KNOWN_SKIP_REASONS.has(reason), `unexpected skip reason ${reason}`);
  }
  for (const item of sentItems) {
    assert.ok(item.request.path.startsWith('/'), `${item.source} path ${item.request.path}`);
    assert.ok(!item.request.headers.some(([name]) => name !== name.toLowerCase()), `${item.source} has upper-case header names`);
    assert.ok(!item.request.headers.some(([name]) => name === 'host' || name === 'connection'), `${item.source} kept host or connection`);
  }
});
