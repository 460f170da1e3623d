// Request value extraction: query, headers, cookies and bodies by content
// type, with credentials skipped and counts bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestValues } from '../../src/detection/inputs.js';
import { MAX_INSPECTED_CHARS, MAX_VALUES, MAX_VALUE_CHARS, VALUE_PIECE_OVERLAP_CHARS } from '../../src/detection/limits.js';
import type { RequestFacts } from '../../src/model/exchange.js';

function request(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return { method: 'GET', path: '/', url_path: '/', query: '', host: 'shop.test', scheme: 'http', headers: [], body: null, trailers: null, ...overrides };
}

function body(text: string): RequestFacts['body'] {
  const bytes = Buffer.from(text);
  return { bytes, size: bytes.length, truncated: false, complete: true };
}

function valueAt(facts: RequestFacts, location: string): string | undefined {
  return requestValues(facts).find((value) => value.location === location)?.value;
}

test('requestValues splits the query', () => {
  const facts = request({ query: 'a=1&b%5B%5D=x%20y' });
  assert.equal(valueAt(facts, 'query.a'), '1');
  assert.equal(valueAt(facts, 'query.b[]'), 'x%20y');
});

test('requestValues lists query names', () => {
  const names = requestValues(request({ query: 'flag&x=1' })).filter((value) => value.location === 'query_name').map((value) => value.value);
  assert.deepEqual(names, ['flag', 'x']);
});

test('requestValues parses cookies', () => {
  const facts = request({ headers: [['cookie', 'sid=abc; theme=dark']] });
  assert.equal(valueAt(facts, 'cookie.theme'), 'dark');
});

test('requestValues skips credential headers', () => {
  const facts = request({ headers: [['authorization', 'Bearer secret-token'], ['x-api-key', 'k-123'], ['referer', 'https://a.test/']] });
  const locations = requestValues(facts).map((value) => value.location);
  assert.ok(!locations.includes('header.authorization'));
  assert.ok(!locations.includes('header.x-api-key'));
  assert.ok(locations.includes('header.referer'));
});

test('requestValues walks JSON bodies', () => {
  const facts = request({ method: 'POST', headers: [['content-type', 'application/json']], body: body('{"user":{"name":"ann","tags":["x"]}}') });
  assert.equal(valueAt(facts, 'body.user.name'), 'ann');
  assert.equal(valueAt(facts, 'body.user.tags'), 'x');
});

test('requestValues stops at the JSON depth limit', () => {
  const nested = '{"a":'.repeat(40) + '"deep"' + '}'.repeat(40);
  const facts = request({ method: 'POST', headers: [['content-type', 'application/json']], body: body(nested) });
  assert.ok(!requestValues(facts).some((value) => value.value === 'deep'));
});

test('requestValues splits form bodies', () => {
  const facts = request({ method: 'POST', headers: [['content-type', 'application/x-www-form-urlencoded']], body: body('q=a+b&n=2') });
  assert.equal(valueAt(facts, 'body.q'), 'a+b');
});

test('requestValues reads multipart parts', () => {
  const text = ['--XyZ', 'Content-Disposition: form-data; name="note"', '', 'hello', '--XyZ', 'Content-Disposition: form-data; name="up"; filename="a.php"', '', 'data', '--XyZ--', ''].join('\r\n');
  const facts = request({ method: 'POST', headers: [['content-type', 'multipart/form-data; boundary=XyZ']], body: body(text) });
  assert.equal(valueAt(facts, 'body.note'), 'hello');
  assert.equal(valueAt(facts, 'multipart_filename.up'), 'a.php');
});

test('requestValues reads XML attributes and text', () => {
  const facts = request({ method: 'POST', headers: [['content-type', 'application/xml']], body: body('<r><a k="v1">t1</a></r>') });
  assert.equal(valueAt(facts, 'body.@k'), 'v1');
  assert.equal(valueAt(facts, 'body.text'), 't1');
});

test('requestValues leaves XML element and attribute names out', () => {
  const facts = request({ method: 'POST', headers: [['content-type', 'application/xml']], body: body('<?xml version="1.0"?><org.acme.Order id="7"><sku>ab-1</sku></org.acme.Order>') });
  const locations = requestValues(facts).map((inspected) => inspected.location);
  assert.deepEqual(locations.filter((location) => location === 'body_name' || location === 'body' || location === 'body.prolog'), []);
  assert.equal(valueAt(facts, 'body.@id'), '7');
});

test('requestValues keeps an XML prolog that declares more than the version', () => {
  const prolog = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/hosts">]>';
  const facts = request({ method: 'POST', headers: [['content-type', 'text/xml']], body: body(`${prolog}<r>&e;</r>`) });
  assert.equal(valueAt(facts, 'body.prolog'), prolog);
});

test('requestValues reads pseudo-headers only for the authority', () => {
  const facts = request({ headers: [[':method', 'GET'], [':path', '/a?x=<b>'], [':scheme', 'https'], [':authority', 'shop.test']] });
  const headerLocations = requestValues(facts).map((inspected) => inspected.location).filter((location) => location.startsWith('header.'));
  assert.deepEqual(headerLocations, ['header.host']);
  assert.equal(valueAt(facts, 'header.host'), 'shop.test');
});

test('requestValues caps the value count', () => {
  const query = Array.from({ length: MAX_VALUES + 50 }, (_unused, index) => `k${index}=v`).join('&');
  assert.equal(requestValues(request({ query })).length, MAX_VALUES);
});

test('requestValues reads long values in pieces', () => {
  const value = Array.from({ length: MAX_VALUE_CHARS * 3 }, (_unused, index) => String.fromCharCode(97 + (index % 26))).join('');
  const pieces = requestValues(request({ query: `a=${value}` })).filter((inspected) => inspected.location === 'query.a').map((inspected) => inspected.value);
  const step = MAX_VALUE_CHARS - VALUE_PIECE_OVERLAP_CHARS;

  assert.equal(pieces.length, Math.ceil((value.length - VALUE_PIECE_OVERLAP_CHARS) / step));
  pieces.forEach((piece, index) => {
    assert.ok(piece.length <= MAX_VALUE_CHARS, `piece ${index} has ${piece.length} characters`);
    assert.equal(piece, value.slice(index * step, index * step + MAX_VALUE_CHARS));
  });
  assert.equal(pieces.at(-1), value.slice((pieces.length - 1) * step));
});

test('requestValues keeps a value under the piece size whole', () => {
  const value = 'y'.repeat(MAX_VALUE_CHARS);
  const pieces = requestValues(request({ query: `a=${value}` })).filter((inspected) => inspected.location === 'query.a');
  assert.deepEqual(pieces.map((inspected) => inspected.value), [value]);
});

test('requestValues caps characters per transaction', () => {
  const headers: Array<[string, string]> = Array.from({ length: 8 }, (_unused, index) => [`x-long-${index}`, 'z'.repeat(MAX_INSPECTED_CHARS / 4)]);
  const values = requestValues(request({ headers }));
  const total = values.reduce((sum, inspected) => sum + inspected.value.length, 0);

  assert.ok(total <= MAX_INSPECTED_CHARS, `inspected ${total} characters`);
  assert.ok(total > MAX_INSPECTED_CHARS - MAX_VALUE_CHARS, `inspected only ${total} characters`);
  assert.equal(values.some((inspected) => inspected.location === 'header.x-long-7'), false);
});
