// int() of a string takes a decimal integer only. BigInt, which parses it,
// also takes '' (as 0), '0b1' and '0o7', so a rule comparing a
// missing-value header would pass as 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileExpression } from '../../../src/rules/cel.js';
import { CompiledEvaluationError } from '../../../src/rules/compiler/index.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation } from '../../../src/rules/activation.js';
import { makeExchange } from '../builders.js';

const ACTIVATION = new Activation(makeExchange({ method: 'GET', path: '/', headers: [['x-count', '']] }), newTransactionRecord());

function evaluate(source: string): unknown {
  const { expression } = compileExpression(source, 'any', 'when');
  assert.ok(expression, `${source} did not compile`);
  assert.equal(expression.compiled, true);
  return expression.evaluateOrError(ACTIVATION);
}

for (const text of ['', ' ', '0b1', '0o7', '1_000', '1e3', '--1']) {
  test(`int(${JSON.stringify(text)}) is an error`, () => {
    const value = evaluate(`int(${JSON.stringify(text)})`);

    assert.ok(value instanceof CompiledEvaluationError, `got ${String(value)}`);
    assert.equal(value.code, 'int_conversion_error');
  });
}

for (const [text, expected] of [['42', 42n], ['+42', 42n], ['-42', -42n], ['9223372036854775807', 9223372036854775807n]] as const) {
  test(`int(${JSON.stringify(text)}) is ${expected}`, () => {
    assert.equal(evaluate(`int(${JSON.stringify(text)})`), expected);
  });
}

test('int of an empty header is an error', () => {
  const value = evaluate("int(request.headers['x-count'])");

  assert.ok(value instanceof CompiledEvaluationError);
});
