// The attribute values CEL expressions see, built from hand-made exchanges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../../src/model/exchange.js';
import { newTransactionRecord } from '../../src/model/record.js';
import { Activation } from '../../src/rules/activation.js';
import { compileExpression } from '../../src/rules/cel.js';
import { toFieldValue } from '../../src/rules/field-value.js';
import { body, makeExchange } from './builders.js';

/** Compiles and evaluates source against exchange; throws when it does not compile. */
function evaluate(source: string, exchange: Exchange): unknown {
  const result = compileExpression(source, 'any', 'test');
  if (result.expression === null) {
    throw new Error(result.problems.map((problem) => problem.message).join('; '));
  }
  return result.expression.evaluate(new Activation(exchange, newTransactionRecord()));
}

const EXCHANGE = makeExchange(
  {
    method: 'POST',
    path: '/search?q=shoes&page=2',
    headers: [['User-Agent', 'curl/8'], ['referer', 'https://shop.example/'], ['x-request-id', 'rid-1'], ['cookie', 'a=1'], ['cookie', 'b=2'], ['content-length', '42']],
    trailers: [['x-checksum', 'abc']],
  },
  { code: 201, headers: [['content-type', 'text/html'], ['content-length', '7']], body: 'created' },
  { attributes: { 'connection.mtls': true, 'connection.requested_server_name': 'shop.example', 'connection.tls_version': 42, 'request.protocol': 'HTTP/2' } },
);

interface ValueCase {
  expression: string;
  expected: unknown;
}

const VALUE_CASES: ValueCase[] = [
  { expression: 'request.method', expected: 'POST' },
  { expression: 'request.path', expected: '/search?q=shoes&page=2' },
  { expression: 'request.url_path', expected: '/search' },
  { expression: 'request.query', expected: 'q=shoes&page=2' },
  { expression: 'request.host', expected: 'shop.example' },
  { expression: 'request.scheme', expected: 'https' },
  { expression: 'request.protocol', expected: 'HTTP/2' },
  { expression: "request.headers['user-agent']", expected: 'curl/8' },
  { expression: "request.headers['cookie']", expected: 'a=1; b=2' },
  { expression: 'request.useragent', expected: 'curl/8' },
  { expression: 'request.referer', expected: 'https://shop.example/' },
  { expression: 'request.id', expected: 'rid-1' },
  { expression: 'request.size', expected: 42n },
  { expression: "request.trailers['x-checksum']", expected: 'abc' },
  { expression: 'has(request.body)', expected: false },
  { expression: 'request.time == timestamp("2026-01-02T03:04:05Z")', expected: true },
  { expression: 'response.code in [200, 201]', expected: true },
  { expression: 'response.code == 201', expected: true },
  { expression: 'response.size', expected: 7n },
  { expression: "response.body.startsWith('creat')", expected: true },
  { expression: 'has(response.trailers)', expected: false },
  { expression: "source.address == '198.51.100.7' && source.port == 40000", expected: true },
  { expression: 'destination.port', expected: 8080n },
  { expression: 'connection.mtls', expected: true },
  { expression: 'connection.requested_server_name', expected: 'shop.example' },
  // A value of the wrong type from Envoy is treated as absent, not as an error.
  { expression: 'has(connection.tls_version)', expected: false },
  { expression: 'ctxproc.transaction_id', expected: 'txn-1' },
  { expression: 'size(ctxproc.matched)', expected: 0n },
];

for (const valueCase of VALUE_CASES) {
  test(`attribute ${valueCase.expression}`, () => {
    assert.deepEqual(evaluate(valueCase.expression, EXCHANGE), valueCase.expected);
  });
}

test('request size prefers the complete body', () => {
  const exchange = makeExchange({ method: 'POST', headers: [['content-length', '999']], body: 'four' });

  assert.equal(evaluate('request.size', exchange), 4n);
});

test('request size absent without length', () => {
  const exchange = makeExchange({ headers: [['content-length', 'twelve']] });

  assert.equal(evaluate('has(request.size)', exchange), false);
});

test('partial body is visible but size uses content-length', () => {
  const exchange = makeExchange({ method: 'POST', headers: [['content-length', '100']] });
  const partial = { ...body('part'), size: 4, complete: false };
  const request = exchange.request === null ? null : { ...exchange.request, body: partial };

  assert.equal(evaluate('request.body', { ...exchange, request }), 'part');
  assert.equal(evaluate('request.size', { ...exchange, request }), 100n);
});

test('absent response reads as missing', () => {
  const exchange = makeExchange({ method: 'GET' });

  assert.equal(evaluate('has(response.code)', exchange), false);
  assert.equal(evaluate('has(response.headers)', exchange), false);
  assert.throws(() => evaluate('response.code == 200', exchange), /No such key: code/);
});

test('absent peers read as missing', () => {
  const exchange = makeExchange({ method: 'GET' }, null, { source: null, destination: null });

  assert.equal(evaluate('has(source.address) || has(destination.port)', exchange), false);
});

test('request id falls back to attribute', () => {
  const exchange = makeExchange({ method: 'GET' }, null, { attributes: { 'request.id': 'from-envoy' } });

  assert.equal(evaluate('request.id', exchange), 'from-envoy');
});

test('headers map is built once per activation', () => {
  const activation = new Activation(EXCHANGE, newTransactionRecord());

  assert.equal(activation.request.headers, activation.request.headers);
  assert.equal(activation.request, activation.request);
});

interface FieldCase {
  name: string;
  value: unknown;
  expected: unknown;
}

const FIELD_CASES: FieldCase[] = [
  { name: 'string', value: 'a', expected: 'a' },
  { name: 'safe integer', value: 42n, expected: 42 },
  { name: 'unsafe integer', value: 2n ** 60n, expected: '1152921504606846976' },
  { name: 'double', value: 1.5, expected: 1.5 },
  { name: 'infinity', value: Infinity, expected: 'Infinity' },
  { name: 'null', value: null, expected: null },
  { name: 'list', value: [1n, 'b'], expected: [1, 'b'] },
  { name: 'map', value: new Map<unknown, unknown>([['a', 1n], [2n, true]]), expected: { a: 1, 2: true } },
  { name: 'bytes', value: new Uint8Array([104, 105]), expected: 'aGk=' },
  { name: 'timestamp', value: new Date(Date.UTC(2026, 0, 1)), expected: '2026-01-01T00:00:00.000Z' },
];

for (const fieldCase of FIELD_CASES) {
  test(`field value of ${fieldCase.name}`, () => {
    assert.deepEqual(toFieldValue(fieldCase.value), fieldCase.expected);
  });
}

test('field value of function is rejected', () => {
  assert.throws(() => toFieldValue(() => 1), /cannot be written to an event/);
});
