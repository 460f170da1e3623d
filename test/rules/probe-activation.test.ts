// The probe activation that decides which bodies rules still need: known
// attributes read through, later ones read as a "not yet known" error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../src/model/phase.js';
import { newTransactionRecord } from '../../src/model/record.js';
import { ATTRIBUTES, VALUE_ROOTS } from '../../src/rules/attributes.js';
import { Activation } from '../../src/rules/activation.js';
import { compileExpression } from '../../src/rules/cel.js';
import { NOT_YET_KNOWN, probeActivation } from '../../src/rules/probe-activation.js';
import { makeExchange } from './builders.js';

const EXCHANGE = makeExchange({ method: 'POST', path: '/login?next=/', headers: [['content-type', 'application/json']], body: '{"a":1}' }, { code: 200 });

/** Returns the enumerable names of an object, inherited ones included, because the probe's getters sit on its prototype. */
function enumerableNames(object: object): string[] {
  const names: string[] = [];
  for (const name in object) {
    names.push(name);
  }
  return names;
}

test('probe has every attribute root', () => {
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders);

  assert.deepEqual(enumerableNames(probe), [...Object.keys(ATTRIBUTES), ...Object.keys(VALUE_ROOTS)]);
  for (const [root, { fields }] of Object.entries(ATTRIBUTES)) {
    assert.deepEqual(enumerableNames(probe[root] as object), Object.keys(fields), root);
  }
});

test('probe reuses a given activation', () => {
  const activation = new Activation(EXCHANGE, newTransactionRecord());
  const headers = activation.request.headers;
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders, activation) as Record<string, Record<string, unknown>>;

  assert.equal(probe.request!.headers, headers);
  assert.equal(probe.request!.body, NOT_YET_KNOWN);
});

test('probe field selection and has()', () => {
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as unknown as Activation;
  const select = compileExpression("request.method == 'POST'", 'bool', 'when');
  const present = compileExpression('has(request.url_path)', 'bool', 'when');
  const later = compileExpression('has(request.body)', 'bool', 'when');
  assert.ok(select.expression !== null);
  assert.ok(present.expression !== null);
  assert.ok(later.expression !== null);

  assert.equal(select.expression.evaluateOrError(probe), true);
  assert.equal(present.expression.evaluateOrError(probe), true);
  assert.equal(later.expression.evaluateOrError(probe), NOT_YET_KNOWN);
});

test('probe reads known attributes', () => {
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as Record<string, Record<string, unknown>>;

  assert.equal(probe.request!.method, 'POST');
  assert.equal(probe.request!.url_path, '/login');
  assert.equal((probe.request!.headers as Map<string, string>).get('content-type'), 'application/json');
  assert.equal(probe.source!.address, '198.51.100.7');
});

test('probe hides later attributes', () => {
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as Record<string, Record<string, unknown>>;

  assert.equal(probe.request!.body, NOT_YET_KNOWN);
  assert.equal(probe.response!.code, NOT_YET_KNOWN);
  assert.equal(probe.detections, NOT_YET_KNOWN);
});

test('later probe phase shows more', () => {
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.ResponseHeaders) as Record<string, Record<string, unknown>>;

  assert.equal(probe.request!.body, '{"a":1}');
  assert.equal(probe.response!.code, 200n);
  assert.equal(probe.response!.body, NOT_YET_KNOWN);
});

test('probes do not share groups', () => {
  const first = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as Record<string, Record<string, unknown>>;
  const second = probeActivation(makeExchange({ method: 'GET' }), newTransactionRecord(), Phase.RequestHeaders) as Record<string, Record<string, unknown>>;

  assert.equal(first.request!.method, 'POST');
  assert.equal(second.request!.method, 'GET');
  assert.equal(first.request, first.request, 'a group is built once per probe');
  assert.notEqual(first.request, second.request);
});

test('header read on a later map is an error', () => {
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as unknown as Activation;
  const result = compileExpression("response.headers['content-type'].startsWith('application/')", 'bool', 'when');
  assert.ok(result.expression !== null);

  assert.equal(result.expression.evaluateOrError(probe), NOT_YET_KNOWN);
});
