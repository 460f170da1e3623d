// The built-in reflecting upstream: /reflect specs as the CRS response tests
// write them, and the echo for every other request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpRequestSpec } from '../../src/client/types.js';
import { ECHO_BODY_LIMIT, reflectUpstream } from '../../src/replay/reflect-upstream.js';

function post(path: string, body: string | Buffer, headers: Array<[string, string]> = []): HttpRequestSpec {
  return { method: 'POST', path, scheme: 'http', authority: 'localhost', headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function header(headers: Array<[string, string]>, name: string): string[] {
  return headers.filter(([key]) => key === name).map(([, value]) => value);
}

test('reflect returns a CRS body spec', () => {
  const response = reflectUpstream(post('/reflect', '{"body": "Dynamic SQL Error: the used select statements have different number of columns"}'));
  assert.equal(response.status, 200);
  assert.equal(response.body?.toString(), 'Dynamic SQL Error: the used select statements have different number of columns');
  assert.deepEqual(header(response.headers, 'content-type'), ['text/plain; charset=utf-8']);
  assert.deepEqual(header(response.headers, 'content-length'), [String(response.body?.length)]);
});

test('reflect uses status and headers, and sniffs HTML', () => {
  const spec = { status: 500, headers: { 'X-Powered-By': 'PHP/5.4', 'Set-Cookie': ['a=1', 'b=2'] }, body: '<h1>.:NCC:. Shell v1.0</h1>' };
  const response = reflectUpstream(post('/reflect/', JSON.stringify(spec)));
  assert.equal(response.status, 500);
  assert.deepEqual(header(response.headers, 'x-powered-by'), ['PHP/5.4']);
  assert.deepEqual(header(response.headers, 'set-cookie'), ['a=1', 'b=2']);
  assert.deepEqual(header(response.headers, 'content-type'), ['text/html; charset=utf-8']);
});

test('reflect keeps a given content type and drops framing headers', () => {
  const spec = { headers: [['Content-Type', 'application/json'], ['Content-Length', '999'], ['Transfer-Encoding', 'chunked']], body: '{"ok":true}' };
  const response = reflectUpstream(post('/reflect', JSON.stringify(spec)));
  assert.deepEqual(header(response.headers, 'content-type'), ['application/json']);
  assert.deepEqual(header(response.headers, 'content-length'), ['11']);
  assert.deepEqual(header(response.headers, 'transfer-encoding'), []);
});

test('reflect decodes encodedBody', () => {
  const payload = Buffer.from([0x00, 0xff, 0x10, 0x41]);
  const response = reflectUpstream(post('/reflect', JSON.stringify({ encodedBody: payload.toString('base64') })));
  assert.deepEqual(response.body, payload);
  assert.deepEqual(header(response.headers, 'content-type'), ['application/octet-stream']);
});

test('reflect sends a non-string body as JSON text', () => {
  const response = reflectUpstream(post('/reflect', JSON.stringify({ body: { leaked: 'ORA-00933' } })));
  assert.equal(response.body?.toString(), '{"leaked":"ORA-00933"}');
});

test('reflect rejects invalid JSON and statuses', () => {
  assert.equal(reflectUpstream(post('/reflect', '{"body": ')).status, 400);
  assert.equal(reflectUpstream(post('/reflect', '[1, 2]')).status, 400);
  const badStatus = reflectUpstream(post('/reflect', '{"status": 42}'));
  assert.equal(badStatus.status, 400);
  assert.equal(badStatus.body?.toString(), 'Invalid status code: 42');
});

test('reflect returns an empty spec as 200', () => {
  const response = reflectUpstream(post('/reflect', '{}'));
  assert.equal(response.status, 200);
  assert.equal(response.body, undefined);
  assert.deepEqual(header(response.headers, 'content-length'), ['0']);
});

test('echo returns method, path, headers and body, without credentials', () => {
  const request = post('/search?q=1', 'term=<script>', [
    ['content-type', 'application/x-www-form-urlencoded'],
    ['authorization', 'Bearer abc.def.ghi'],
    ['cookie', 'session=s3cr3t'],
  ]);
  const response = reflectUpstream(request);
  const text = response.body?.toString() ?? '';

  assert.equal(response.status, 200);
  assert.deepEqual(header(response.headers, 'content-type'), ['text/plain; charset=utf-8']);
  assert.match(text, /^POST \/search\?q=1\nhost: localhost\ncontent-type: application\/x-www-form-urlencoded\n/);
  assert.match(text, /\nauthorization: \[redacted\]\ncookie: \[redacted\]\n\nterm=<script>$/);
  assert.doesNotMatch(text, /s3cr3t|abc\.def/);
});

test('echo cuts long bodies', () => {
  const response = reflectUpstream(post('/upload', Buffer.alloc(ECHO_BODY_LIMIT + 100, 'a')));
  const text = response.body?.toString() ?? '';
  assert.ok(text.includes('a'.repeat(ECHO_BODY_LIMIT)));
  assert.ok(!text.includes('a'.repeat(ECHO_BODY_LIMIT + 1)));
  assert.match(text, /\[100 more bytes not echoed\]\n$/);
});

test('echo keeps header bytes unchanged', () => {
  const response = reflectUpstream({ method: 'GET', path: '/', scheme: 'http', authority: 'a', headers: [['x-bytes', '\xff\xfe']] });
  assert.ok(response.body?.includes(Buffer.from([0x78, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x73, 0x3a, 0x20, 0xff, 0xfe])));
});
