// The probe activation that decides which bodies rules still need: known
// attributes read through, later ones read as a "not yet known" error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../src/model/phase.js';
import { newTransactionRecord } from '../../src/model/record.js';
import { ATTRIBUTES, VALUE_ROOTS } from '../../src/rules/attributes.js';
import type { Activation } from '../../src/rules/activation.js';
import { compileExpression } from '../../src/rules/cel.js';
import { NOT_YET_KNOWN, probeActivation } from '../../src/rules/probe-activation.js';
import { makeExchange } from './builders.js';

const EXCHANGE = makeExchange({ method: 'POST', path: '/login?next=/', headers: [['content-type', 'application/json']], body: '{"a":1}' }, { code: 200 });

test('probe has every attribute root', () => {
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders);

  assert.deepEqual(Object.keys(probe), [...Object.keys(ATTRIBUTES), ...Object.keys(VALUE_ROOTS)]);
  for (const [root, { fields }] of Object.entries(ATTRIBUTES)) {
    assert.deepEqual(Object.keys(probe[root] as object), Object.keys(fields), root);
  }
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
