// The caches that compiled conditions fill on an Activation: hot attribute
// values and the two header maps. A probe activation shares the compiled
// closures but has no caches, so its "not known yet" values must still win.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../../src/model/phase.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation, HOT_VALUES, REQUEST_HEADER_MAP, RESPONSE_HEADER_MAP } from '../../../src/rules/activation.js';
import { compileExpression } from '../../../src/rules/cel.js';
import { ATTRIBUTE_READERS, HOT_ATTRIBUTES } from '../../../src/rules/compiler/attribute-readers.js';
import { CompiledEvaluationError } from '../../../src/rules/compiler/index.js';
import { NOT_YET_KNOWN, probeActivation } from '../../../src/rules/probe-activation.js';
import { makeExchange } from '../builders.js';

const EXCHANGE = makeExchange(
  { method: 'PUT', path: '/a/b?x=1', host: 'h.example', headers: [['x-request-id', 'r1'], ['content-type', 'text/plain']] },
  { code: 503, headers: [['content-type', 'application/json']] },
);

function compiled(source: string): (root: Activation) => unknown {
  const result = compileExpression(source, 'bool', 'test');
  assert.ok(result.expression !== null, source);
  assert.ok(result.expression.compiled, `${source} is compiled`);
  return result.expression.evaluateOrError;
}

test('hot values filled on first read', () => {
  const activation = new Activation(EXCHANGE, newTransactionRecord());
  assert.equal(activation[HOT_VALUES], undefined);

  assert.equal(compiled("request.method == 'PUT'")(activation), true);

  const values = activation[HOT_VALUES];
  assert.ok(values !== undefined);
  for (const [name, id] of HOT_ATTRIBUTES) {
    assert.equal(values[id], ATTRIBUTE_READERS[name]!(activation), name);
  }
});

test('hot values of a request-only activation', () => {
  const activation = new Activation(makeExchange({ method: 'GET', path: '/' }), newTransactionRecord());

  const result = compiled('response.code == 200')(activation);
  assert.ok(result instanceof CompiledEvaluationError);
  assert.equal(result.message, 'No such key: code');
  assert.equal(compiled('!has(response.code)')(activation), true);
  assert.equal(activation[HOT_VALUES]?.[HOT_ATTRIBUTES.get('response.code')!], undefined);
});

test('probe hot reads stay unknown', () => {
  const codeIs = compiled('response.code == 503');
  const methodIs = compiled("request.method == 'PUT'");
  const activation = new Activation(EXCHANGE, newTransactionRecord());
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as unknown as Activation;

  assert.equal(codeIs(activation), true);
  assert.equal(codeIs(probe), NOT_YET_KNOWN);
  assert.equal(methodIs(probe), true);
  assert.equal((probe as unknown as Record<symbol, unknown>)[HOT_VALUES], undefined);
});

test('header map fields hold attribute maps', () => {
  const activation = new Activation(EXCHANGE, newTransactionRecord());

  assert.equal(compiled("'x-request-id' in request.headers")(activation), true);
  assert.equal(compiled("response.headers['content-type'] == 'application/json'")(activation), true);

  assert.equal(activation[REQUEST_HEADER_MAP], activation.request.headers);
  assert.equal(activation[RESPONSE_HEADER_MAP], activation.response.headers);
});

test('header map field stays empty without response', () => {
  const activation = new Activation(makeExchange({ method: 'GET', headers: [['accept', '*/*']] }), newTransactionRecord());

  const result = compiled("'content-type' in response.headers")(activation);
  assert.ok(result instanceof Error);
  assert.equal(activation[RESPONSE_HEADER_MAP], undefined);
});

test('probe header reads stay unknown', () => {
  const membership = compiled("'content-type' in response.headers");
  const activation = new Activation(EXCHANGE, newTransactionRecord());
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as unknown as Activation;

  assert.equal(membership(activation), true);
  assert.equal(membership(probe), NOT_YET_KNOWN);
  assert.equal(compiled("'x-request-id' in request.headers")(probe), true);
  assert.equal((probe as unknown as Record<symbol, unknown>)[RESPONSE_HEADER_MAP], undefined);
});
