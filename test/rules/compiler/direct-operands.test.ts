// The right side of || and && runs as data when it tests a hot attribute or
// one header by literal name. It must fail with the same errors as the
// closure it replaces, and a probe's "not known yet" header map must decide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../../src/model/phase.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation } from '../../../src/rules/activation.js';
import { compileExpression } from '../../../src/rules/cel.js';
import { CompiledEvaluationError } from '../../../src/rules/compiler/index.js';
import { NOT_YET_KNOWN, probeActivation } from '../../../src/rules/probe-activation.js';
import { makeExchange } from '../builders.js';

const EXCHANGE = makeExchange(
  { method: 'POST', path: '/upload', headers: [['content-type', 'multipart/form-data'], ['content-length', '512']] },
  { code: 200, headers: [['content-type', 'text/html']] },
);

function compiled(source: string): (root: Activation) => unknown {
  const result = compileExpression(source, 'bool', 'test');
  assert.ok(result.expression !== null, source);
  assert.ok(result.expression.compiled, `${source} is compiled`);
  return result.expression.evaluateOrError;
}

function activationOf(exchange = EXCHANGE): Activation {
  return new Activation(exchange, newTransactionRecord());
}

test('present header decides the chain', () => {
  assert.equal(compiled("request.size > 1048576 || request.headers['content-type'].contains('multipart')")(activationOf()), true);
  assert.equal(compiled("request.size > 1048576 || request.headers['content-type'].contains('json')")(activationOf()), false);
  assert.equal(compiled("request.size > 1 && !response.headers['content-type'].contains('html')")(activationOf()), false);
});

test('missing header names its key', () => {
  const result = compiled("request.size > 1048576 || request.headers['x-missing'].contains('multipart')")(activationOf());

  assert.ok(result instanceof CompiledEvaluationError);
  assert.equal(result.message, 'No such key: x-missing');
});

test('missing header loses to decisive left', () => {
  assert.equal(compiled("request.size > 1 || request.headers['x-missing'].contains('multipart')")(activationOf()), true);
  assert.equal(compiled("request.size > 1048576 && request.headers['x-missing'].contains('multipart')")(activationOf()), false);
});

test('absent response map is an error', () => {
  const requestOnly = activationOf(makeExchange({ method: 'GET', path: '/', headers: [['content-length', '0']] }));

  const result = compiled("request.size > 1048576 || response.headers['content-type'].contains('html')")(requestOnly);
  assert.ok(result instanceof CompiledEvaluationError);
});

test('probe response header stays unknown', () => {
  const evaluate = compiled("request.size > 1048576 || response.headers['content-type'].contains('html')");
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as unknown as Activation;

  assert.equal(evaluate(activationOf()), true);
  assert.equal(evaluate(probe), NOT_YET_KNOWN);
});

test('probe request header is read', () => {
  const evaluate = compiled("request.method == 'GET' || request.headers['content-type'].contains('multipart')");
  const probe = probeActivation(EXCHANGE, newTransactionRecord(), Phase.RequestHeaders) as unknown as Activation;

  assert.equal(evaluate(probe), true);
});
