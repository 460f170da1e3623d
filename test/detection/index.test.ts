// detectRequest and detectResponse on whole transactions: classes and
// locations reported, one detection per class, matched text capped, and
// credentials never copied into a detection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectRequest, detectResponse } from '../../src/detection/index.js';
import { MAX_MATCHED_CHARS } from '../../src/detection/limits.js';
import type { Exchange, HeaderList } from '../../src/model/exchange.js';

function exchange(path: string, headers: HeaderList = [], requestBody?: string, responseBody?: string): Exchange {
  const queryStart = path.indexOf('?');
  const capture = (text: string | undefined) => (text === undefined ? null : { bytes: Buffer.from(text), size: Buffer.byteLength(text), truncated: false, complete: true });
  return {
    id: 't1',
    startTimeMs: 0,
    startNs: 0n,
    endNs: null,
    request: {
      method: requestBody === undefined ? 'GET' : 'POST',
      path,
      url_path: queryStart === -1 ? path : path.slice(0, queryStart),
      query: queryStart === -1 ? '' : path.slice(queryStart + 1),
      host: 'shop.test',
      scheme: 'https',
      headers,
      body: capture(requestBody),
      trailers: null,
    },
    response: responseBody === undefined ? null : { code: 500, headers: [], body: capture(responseBody), trailers: null },
    source: null,
    destination: null,
    attributes: {},
  };
}

test('detectRequest reports class and location', () => {
  const found = detectRequest(exchange('/items?id=3%27%20OR%20%27a%27%3D%27a'));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.class, 'sqli');
  assert.equal(found[0]!.location, 'query.id');
  assert.equal(found[0]!.detector, 'sqli.tokens');
});

test('detectRequest finds several classes', () => {
  const found = detectRequest(exchange('/x?a=%3Cscript%3Ex()%3C%2Fscript%3E&b=..%2F..%2F..%2Fetc%2Fshadow'));
  assert.deepEqual(found.map((detection) => detection.class).sort(), ['lfi', 'xss']);
});

test('detectRequest reports a class once', () => {
  const found = detectRequest(exchange('/x?a=1%20or%201%3D1&b=2%20or%202%3D2'));
  assert.equal(found.filter((detection) => detection.class === 'sqli').length, 1);
});

test('detectRequest reads JSON bodies', () => {
  const found = detectRequest(exchange('/api', [['content-type', 'application/json']], '{"q":"${jndi:ldap://x.test/a}"}'));
  const java = found.find((detection) => detection.class === 'java');
  assert.equal(java?.location, 'body.q');
});

test('detectRequest passes an ordinary request', () => {
  const headers: HeaderList = [['user-agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'], ['accept', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8'], ['accept-language', 'en-GB,en;q=0.5'], ['referer', 'https://shop.test/cart?step=2']];
  assert.deepEqual(detectRequest(exchange('/search?q=red+shoes&size=42&sort=price_asc', headers)), []);
});

test('detectRequest caps matched text', () => {
  const long = `<script>${'a'.repeat(2000)}</script>`;
  const found = detectRequest(exchange(`/x?a=${encodeURIComponent(long)}`));
  assert.ok(found[0]!.matched.length <= MAX_MATCHED_CHARS);
});

test('detectRequest never reads authorization', () => {
  const secret = "Basic ' OR 1=1 -- secret";
  const found = detectRequest(exchange('/x', [['authorization', secret], ['proxy-authorization', secret]]));
  assert.deepEqual(found, []);
});

test('detectRequest flags scanner user agents', () => {
  const found = detectRequest(exchange('/', [['user-agent', 'sqlmap/1.8']]));
  assert.equal(found[0]?.class, 'scanner');
});

test('detectRequest flags length with chunked', () => {
  const found = detectRequest(exchange('/', [['content-length', '4'], ['transfer-encoding', 'chunked']]));
  assert.equal(found[0]?.class, 'protocol');
});

test('detectRequest returns nothing without request', () => {
  const empty = { ...exchange('/'), request: null };
  assert.deepEqual(detectRequest(empty), []);
});

test('detectResponse flags SQL errors', () => {
  const found = detectResponse(exchange('/', [], undefined, 'Warning: mysqli_query(): You have an error in your SQL syntax'));
  assert.equal(found[0]?.class, 'sql_error');
  assert.equal(found[0]?.location, 'response.body');
});

test('detectResponse passes ordinary pages', () => {
  assert.deepEqual(detectResponse(exchange('/', [], undefined, '<html><body><h1>Welcome</h1></body></html>')), []);
});

test('detectResponse returns nothing without body', () => {
  assert.deepEqual(detectResponse(exchange('/')), []);
});

test('detectRequest ignores loopback Referer', () => {
  const found = detectRequest(exchange('/static/app.js', [['referer', 'http://127.0.0.1:8080/'], ['origin', 'http://localhost:8080']]));
  assert.deepEqual(found, []);
});
