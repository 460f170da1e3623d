// HeaderMap: Envoy's ordering and append behaviour where mutations see it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHeaderValue, HeaderMap } from '../../src/client/header-map.js';

test('set replaces every entry and moves it to the end', () => {
  const map = new HeaderMap('request_headers', [
    [':path', '/'],
    ['x-a', '1'],
    ['x-b', '2'],
    ['x-a', '3'],
  ]);

  map.set('x-a', 'new');

  assert.deepEqual(map.list(), [
    [':path', '/'],
    ['x-b', '2'],
    ['x-a', 'new'],
  ]);
});

test('new pseudo-headers go after the existing ones', () => {
  const map = new HeaderMap('request_headers', [
    [':method', 'GET'],
    ['x-a', '1'],
  ]);

  map.set(':path', '/p');

  assert.deepEqual(map.list(), [
    [':method', 'GET'],
    [':path', '/p'],
    ['x-a', '1'],
  ]);
});

test('append adds entries for ordinary headers', () => {
  const map = new HeaderMap('request_headers', [['x-a', '1']]);

  map.append('x-a', '2');

  assert.deepEqual(map.get('x-a'), ['1', '2']);
});

test('append joins inline headers with a comma', () => {
  const map = new HeaderMap('request_headers', [['x-forwarded-for', '10.0.0.1']]);

  map.append('x-forwarded-for', '10.0.0.2');

  assert.deepEqual(map.get('x-forwarded-for'), ['10.0.0.1,10.0.0.2']);
});

test('inline headers differ by map kind', () => {
  const response = new HeaderMap('response_headers', [['x-forwarded-for', 'a']]);
  response.append('x-forwarded-for', 'b');
  assert.deepEqual(response.get('x-forwarded-for'), ['a', 'b']);

  const trailers = new HeaderMap('response_trailers', [['grpc-message', 'a']]);
  trailers.append('grpc-message', 'b');
  assert.deepEqual(trailers.get('grpc-message'), ['a,b']);
});

test('byte size and proto form keep raw bytes', () => {
  const map = new HeaderMap('request_headers', [['x-a', '\u00e9']]);

  assert.equal(map.byteSize(), 4);
  const proto = map.toProto();
  assert.deepEqual([...proto.headers![0]!.raw_value!], [0xe9]);
  assert.equal(proto.headers![0]!.value, undefined);
  assert.equal(bytesToHeaderValue(Buffer.from([0xc3, 0xa9])), '\u00c3\u00a9');
});
