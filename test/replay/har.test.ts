// HAR 1.2 recordings into replay items, on a hand-written browser session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHarFile } from '../../src/replay/har.js';
import type { HarItem, ParsedItem } from '../../src/replay/items.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SESSION = path.join(REPO_ROOT, 'test/fixtures/har/shop-session.har');

function session(): ParsedItem[] {
  return parseHarFile(fs.readFileSync(SESSION, 'utf8'), SESSION);
}

function entry(number: number): HarItem {
  const item = session()[number - 1];
  assert.equal(item?.kind, 'har', `entry ${number} is ${item?.kind}`);
  return item as HarItem;
}

function header(headers: Array<[string, string]>, name: string): string | undefined {
  return headers.find(([key]) => key === name)?.[1];
}

test('har yields one item per entry, named by file and number', () => {
  const items = session();
  assert.deepEqual(
    items.map((item) => [item.source, item.kind]),
    [
      ['shop-session.har#1', 'har'],
      ['shop-session.har#2', 'har'],
      ['shop-session.har#3', 'har'],
      ['shop-session.har#4', 'skipped'],
      ['shop-session.har#5', 'har'],
    ],
  );
});

test('har moves HTTP/2 pseudo-headers into the request fields', () => {
  const { request } = entry(1);
  assert.equal(request.method, 'GET');
  assert.equal(request.path, '/products?category=books&page=2');
  assert.equal(request.scheme, 'https');
  assert.equal(request.authority, 'shop.example.com');
  assert.ok(request.headers.every(([name]) => !name.startsWith(':')), 'no pseudo-header stays in headers');
  assert.equal(header(request.headers, 'cookie'), 'session=s%3A9f1c2e7a4b.Xq3; theme=dark; cart_items=2');
  assert.equal(request.body, undefined);
});

test('har response drops content-encoding of the decoded body', () => {
  const { response } = entry(1);
  assert.equal(response.status, 200);
  assert.match(response.body?.toString() ?? '', /^<!doctype html>/);
  assert.equal(header(response.headers, 'content-encoding'), undefined);
  assert.equal(header(response.headers, 'content-length'), String(response.body?.length));
  assert.equal(header(response.headers, 'set-cookie'), 'last_category=books; Path=/; SameSite=Lax');
});

test('har keeps a JSON login and its 401', () => {
  const { request, response } = entry(2);
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/api/login');
  assert.deepEqual(JSON.parse(request.body?.toString() ?? ''), { username: 'alice@example.com', password: 'correct-horse-battery' });
  assert.equal(header(request.headers, 'content-type'), 'application/json');
  assert.equal(header(request.headers, 'content-length'), String(request.body?.length));
  assert.equal(response.status, 401);
  assert.equal(JSON.parse(response.body?.toString() ?? '').error, 'invalid_credentials');
  assert.equal(header(response.headers, 'www-authenticate'), 'Bearer realm="shop"');
});

test('har takes authority from Host on HTTP/1.1 and drops hop-by-hop headers', () => {
  const { request, response } = entry(3);
  assert.equal(request.authority, 'static.example.com');
  assert.equal(request.scheme, 'http');
  assert.equal(request.path, '/img/banner-old.png');
  assert.deepEqual(
    request.headers.map(([name]) => name),
    ['user-agent', 'accept', 'referer', 'accept-encoding', 'accept-language'],
  );
  assert.equal(response.status, 404);
  assert.match(response.body?.toString() ?? '', /<h1>Not Found<\/h1>/, 'base64 content is decoded');
  assert.equal(header(response.headers, 'keep-alive'), undefined);
  assert.equal(header(response.headers, 'connection'), undefined);
  assert.equal(header(response.headers, 'content-type'), 'text/html; charset=iso-8859-1');
});

test('har skips an entry without a response', () => {
  const item = session()[3];
  assert.equal(item?.kind === 'skipped' ? item.reason : item?.kind, 'har_no_response');
});

test('har builds a form body from params and fixes Content-Length', () => {
  const { request, response } = entry(5);
  const body = 'email=alice%40example.com&topics=books+%26+music';
  assert.equal(request.body?.toString(), body);
  assert.equal(header(request.headers, 'content-length'), String(body.length));
  assert.equal(header(request.headers, 'cookie'), 'theme=dark', 'the cookie header comes from request.cookies');
  assert.equal(response.status, 303);
  assert.equal(response.body, undefined);
});

test('har builds a multipart body from params with a boundary', () => {
  const har = {
    log: {
      entries: [
        {
          request: {
            method: 'POST',
            url: 'https://files.example.org/upload',
            headers: [{ name: 'Content-Type', value: 'multipart/form-data; boundary=XyZ' }],
            postData: { mimeType: 'multipart/form-data; boundary=XyZ', params: [{ name: 'doc', fileName: 'a.txt', contentType: 'text/plain', value: 'hello' }] },
          },
          response: { status: 201, headers: [], content: {} },
        },
      ],
    },
  };
  const [item] = parseHarFile(JSON.stringify(har), 'upload.har') as HarItem[];
  assert.equal(
    item?.request.body?.toString(),
    '--XyZ\r\nContent-Disposition: form-data; name="doc"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n',
  );
});

test('har converts text to byte strings for the client', () => {
  const har = {
    log: {
      entries: [
        {
          request: { method: 'GET', url: 'https://café.example/', headers: [{ name: 'X-Name', value: 'Zoë' }] },
          response: { status: 200, headers: [], content: { text: 'ok' } },
        },
      ],
    },
  };
  const [item] = parseHarFile(JSON.stringify(har), 'utf8.har') as HarItem[];
  assert.equal(item?.request.authority, Buffer.from('café.example', 'utf8').toString('latin1'));
  assert.equal(header(item?.request.headers ?? [], 'x-name'), Buffer.from('Zoë', 'utf8').toString('latin1'));
});

test('har skips non-http schemes and upgrades', () => {
  const har = {
    log: {
      entries: [
        { request: { method: 'GET', url: 'wss://chat.example/socket', headers: [] }, response: { status: 101, headers: [] } },
        { request: { method: 'GET', url: 'https://chat.example/socket', headers: [] }, response: { status: 101, headers: [] } },
        { request: { method: 'GET' }, response: { status: 200 } },
      ],
    },
  };
  const reasons = parseHarFile(JSON.stringify(har), 'ws.har').map((item) => (item.kind === 'skipped' ? item.reason : item.kind));
  assert.deepEqual(reasons, ['har_unsupported_scheme', 'upgrade_not_configured', 'har_invalid_entry']);
});

test('har rejects files that are not HAR', () => {
  assert.throws(() => parseHarFile('{"log": ', 'cut.har'), /cut\.har is not valid JSON/);
  assert.throws(() => parseHarFile('{"entries": []}', 'other.har'), /other\.har is not a HAR file: it has no "log.entries" list/);
});

test('browser recording skips cache hits', () => {
  const file = path.join(REPO_ROOT, 'test/fixtures/har/browser-session.har');
  const items = parseHarFile(fs.readFileSync(file, 'utf8'), file);
  const fromCache = items.filter((item) => item.kind === 'skipped' && item.reason === 'har_from_cache');
  const sent = items.filter((item) => item.kind === 'har');

  // The capture's server log saw 15 requests; the other 6 entries are Chromium cache hits.
  assert.equal(sent.length, 15);
  assert.equal(fromCache.length, 6);
});

/** Returns a one-entry HAR document whose request carries `headers`. */
function harWithHeaders(headers: Array<{ name: string; value: string }>): string {
  const request = { method: 'GET', url: 'http://shop.example/many', headers: [{ name: ':method', value: 'GET' }, { name: 'host', value: 'shop.example' }, ...headers] };
  return JSON.stringify({ log: { entries: [{ request, response: { status: 200, headers: [] } }] } });
}

function numberedHeaders(count: number, value = 'v'): Array<{ name: string; value: string }> {
  return Array.from({ length: count }, (_, index) => ({ name: `x-h${index}`, value }));
}

test('har skips entries over max_headers_count', () => {
  const [item] = parseHarFile(harWithHeaders(numberedHeaders(10_000)), 'many.har');

  assert.equal(item?.kind, 'skipped');
  assert.equal(item.kind === 'skipped' ? item.reason : '', 'har_too_many_headers');
  assert.match(item.kind === 'skipped' ? item.detail : '', /10001 headers, more than max_headers_count 100/);
});

test('har sends 100 headers but not 101', () => {
  // host is the 100th header; the :method pseudo-header does not count.
  const [atLimit] = parseHarFile(harWithHeaders(numberedHeaders(99)), 'limit.har');
  const [overLimit] = parseHarFile(harWithHeaders(numberedHeaders(100)), 'over.har');

  assert.equal(atLimit?.kind, 'har');
  assert.equal(overLimit?.kind, 'skipped');
});

test('har header limits follow the listener settings', () => {
  const [item] = parseHarFile(harWithHeaders(numberedHeaders(150)), 'raised.har', { maxHeadersCount: 200 });

  assert.equal(item?.kind, 'har');
});

test('har skips entries over max_request_headers_kb', () => {
  const [item] = parseHarFile(harWithHeaders(numberedHeaders(2, 'a'.repeat(31 * 1024))), 'large.har');

  assert.equal(item?.kind, 'skipped');
  assert.equal(item.kind === 'skipped' ? item.reason : '', 'har_headers_too_large');
});
