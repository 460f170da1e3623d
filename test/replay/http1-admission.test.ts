// Which raw HTTP/1 requests Envoy would pass to ext_proc, and what ext_proc
// would see of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admitHttp1Request, type Http1Admitted, type Http1Settings } from '../../src/replay/http1-admission.js';

function raw(head: string, body = ''): Buffer {
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'latin1')]);
}

function admitted(head: string, body = '', settings: Http1Settings = {}): Http1Admitted {
  const result = admitHttp1Request(raw(head, body), settings);
  if (!result.ok) {
    assert.fail(`expected the request to be admitted, got ${result.reason}: ${result.detail}`);
  }
  return result;
}

const rejections: Array<{ name: string; head: string; body?: string; settings?: Http1Settings; reason: string }> = [
  { name: 'lower-case method', head: 'get / HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'http1_invalid_method' },
  { name: 'custom method', head: 'FOO / HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'http1_invalid_method' },
  { name: 'non-ASCII byte in path', head: 'GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'http1_invalid_url' },
  { name: 'relative target without slash', head: 'GET index.html HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'http1_invalid_url' },
  { name: 'asterisk target', head: 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'non_relative_path' },
  { name: 'malformed version', head: 'GET / HTTP/2\r\nHost: a\r\n\r\n', reason: 'http1_invalid_version' },
  { name: 'version with extra field', head: 'GET / HTTP/1.1 x\r\nHost: a\r\n\r\n', reason: 'http1_invalid_version' },
  { name: 'HTTP/1.0 by default', head: 'GET / HTTP/1.0\r\nHost: a\r\n\r\n', reason: 'http1_version_not_accepted' },
  { name: 'HTTP/2.0 on HTTP/1', head: 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', reason: 'http1_version_not_accepted' },
  { name: 'HTTP/0.9 without version', head: 'GET /\r\nHost: a\r\n\r\n', reason: 'http1_version_not_accepted' },
  { name: 'missing Host', head: 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', reason: 'missing_host_header' },
  { name: 'HTTP/1.0 without Host or default host', head: 'GET / HTTP/1.0\r\n\r\n', settings: { acceptHttp10: true }, reason: 'missing_host_header' },
  { name: 'space in Host', head: 'GET / HTTP/1.1\r\nHost: local host\r\n\r\n', reason: 'invalid_authority' },
  { name: 'space in header name', head: 'GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n', reason: 'http1_invalid_header_name' },
  { name: 'header line without colon', head: 'GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n', reason: 'http1_invalid_header' },
  { name: 'NUL in header value', head: 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', reason: 'http1_invalid_characters' },
  { name: 'DEL in header value', head: 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n', reason: 'http1_invalid_characters' },
  { name: 'no blank line', head: 'GET / HTTP/1.1\r\nHost: a\r\n', reason: 'http1_incomplete_headers' },
  { name: 'gzip transfer coding', head: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', reason: 'http1_invalid_transfer_encoding' },
  {
    name: 'chunked with Content-Length',
    head: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    body: '3\r\nabc\r\n0\r\n\r\n',
    reason: 'http1_chunked_content_length',
  },
  { name: 'two Content-Length headers', head: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n', body: 'a', reason: 'http1_multiple_content_length' },
  { name: 'Content-Length not a number', head: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1a\r\n\r\n', reason: 'http1_invalid_content_length' },
  { name: 'body shorter than Content-Length', head: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n', body: 'abcd', reason: 'http1_incomplete_body' },
  { name: 'chunk size not hexadecimal', head: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', body: 'zz\r\nabc\r\n0\r\n\r\n', reason: 'http1_invalid_chunk_size' },
  { name: 'chunked body without last chunk', head: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', body: '3\r\nabc\r\n', reason: 'http1_incomplete_body' },
  { name: 'https target on plaintext', head: 'GET https://a/ HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'http1_https_in_plaintext' },
  { name: 'ftp target', head: 'GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'http1_invalid_scheme' },
  { name: 'fragment in path', head: 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n', reason: 'path_with_fragment' },
  { name: 'websocket upgrade', head: 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', reason: 'upgrade_not_configured' },
  { name: 'CONNECT', head: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', reason: 'upgrade_not_configured' },
];

for (const { name, head, body, settings, reason } of rejections) {
  test(`admission rejects ${name}`, () => {
    const result = admitHttp1Request(raw(head, body), settings);
    assert.equal(result.ok, false);
    assert.equal(result.ok ? undefined : result.reason, reason);
  });
}

test('admission rejects more than 100 headers', () => {
  const headers = Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('');
  const result = admitHttp1Request(raw(`GET / HTTP/1.1\r\nHost: a\r\n${headers}\r\n`));
  assert.equal(result.ok ? undefined : result.reason, 'http1_too_many_headers');
});

test('admission rejects a head over 60 KiB', () => {
  const result = admitHttp1Request(raw(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(61 * 1024)}\r\n\r\n`));
  assert.equal(result.ok ? undefined : result.reason, 'http1_headers_too_large');
});

test('admission moves Host to authority and lower-cases names', () => {
  const { request } = admitted('GET /a?b=1 HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: t\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\n');
  assert.equal(request.method, 'GET');
  assert.equal(request.path, '/a?b=1');
  assert.equal(request.scheme, 'http');
  assert.equal(request.authority, 'shop.example');
  assert.deepEqual(request.headers, [
    ['user-agent', 't'],
    ['x-multi', '1'],
    ['x-multi', '2'],
  ]);
  assert.equal(request.body, undefined);
});

test('admission removes hop-by-hop headers and notes them', () => {
  const { request, notes } = admitted('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nKeep-Alive: 300\r\nProxy-Connection: keep-alive\r\nTE: trailers, deflate\r\n\r\n');
  assert.deepEqual(request.headers, [['te', 'trailers']]);
  assert.match(notes[0] ?? '', /connection, keep-alive, proxy-connection/);
});

test('admission takes authority from an absolute target', () => {
  const { request } = admitted('GET http://upstream.example:8080/x?y HTTP/1.1\r\nHost: other\r\n\r\n');
  assert.equal(request.authority, 'upstream.example:8080');
  assert.equal(request.path, '/x?y');
});

test('admission gives an absolute target without path "/"', () => {
  const { request } = admitted('GET http://upstream.example HTTP/1.1\r\n\r\n');
  assert.equal(request.path, '/');
  assert.equal(request.authority, 'upstream.example');
});

test('admission reads a Content-Length body and notes leftover bytes', () => {
  const { request, notes } = admitted('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n', 'abcdEXTRA');
  assert.equal(request.body?.toString(), 'abcd');
  assert.deepEqual(request.headers, [['content-length', '4']]);
  assert.match(notes.join('\n'), /5 bytes after the request/);
});

test('admission notes one leftover byte in the singular', () => {
  const { notes } = admitted('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n', 'abcdX');
  assert.match(notes.join('\n'), /^1 byte after the request was not sent/m);
});

test('admission treats data without framing as a second request', () => {
  const { request, notes } = admitted('POST / HTTP/1.1\r\nHost: a\r\n\r\n', 'hi=test');
  assert.equal(request.body, undefined);
  assert.match(notes.join('\n'), /7 bytes after the request/);
});

test('admission decodes a chunked body and drops trailers', () => {
  const { request } = admitted('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n', '3;ext=1\r\nHi \r\n3\r\nCRS\r\n0\r\nX-Trailer: t\r\n\r\n');
  assert.equal(request.body?.toString(), 'Hi CRS');
  assert.deepEqual(request.headers, []);
});

test('admission with allow_chunked_length drops Content-Length', () => {
  const { request } = admitted(
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    '3\r\nabc\r\n0\r\n\r\n',
    { allowChunkedLength: true },
  );
  assert.equal(request.body?.toString(), 'abc');
  assert.deepEqual(request.headers, []);
});

test('admission accepts HTTP/1.0 when configured, with the default host', () => {
  const { request } = admitted('GET / HTTP/1.0\r\n\r\n', '', { acceptHttp10: true, defaultHostForHttp10: 'fallback.example' });
  assert.equal(request.authority, 'fallback.example');
});

test('admission accepts custom methods when configured', () => {
  const { request } = admitted('FOO / HTTP/1.1\r\nHost: a\r\n\r\n', '', { allowCustomMethods: true });
  assert.equal(request.method, 'FOO');
});

test('admission folds continuation lines', () => {
  const { request } = admitted('GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n  two\r\n\r\n');
  assert.deepEqual(request.headers, [['x-folded', 'one  two']]);
});

test('admission passes h2c upgrades as plain requests', () => {
  const { request } = admitted('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAA\r\n\r\n');
  assert.deepEqual(request.headers, [['http2-settings', 'AAA']]);
});

test('admission keeps header bytes that are not UTF-8', () => {
  const { request } = admitted('GET / HTTP/1.1\r\nHost: a\r\nX-Bytes: \xff\xfe\r\n\r\n');
  assert.deepEqual(request.headers, [['x-bytes', '\xff\xfe']]);
});

test('admission rejects a form feed in the request line', () => {
  const result = admitHttp1Request(raw('GET /a\fb HTTP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(result.ok ? undefined : result.reason, 'http1_invalid_characters');
});

test('admission accepts bare LF line ends and leading blank lines', () => {
  const { request } = admitted('\r\n\nGET /lf HTTP/1.1\nHost: a\nAccept: */*\n\n');
  assert.equal(request.path, '/lf');
  assert.deepEqual(request.headers, [['accept', '*/*']]);
});
