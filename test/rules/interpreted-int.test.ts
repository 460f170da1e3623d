// int() of a string is an error unless the string is a decimal integer, on
// the compiled path and on the cel-js interpreter alike. cel-js alone would
// read int('') as 0, so a rule comparing an empty header would pass as 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTransactionRecord } from '../../src/model/record.js';
import { Activation } from '../../src/rules/activation.js';
import { compileExpression, interpretExpression } from '../../src/rules/cel.js';
import { makeExchange } from './builders.js';

const ACTIVATION = new Activation(makeExchange({ method: 'GET', path: '/', headers: [['x-count', ''], ['x-limit', '42']] }), newTransactionRecord());

/** Runs `source` on the interpreter and returns its value or the error it raised. */
function interpret(source: string): unknown {
  try {
    return interpretExpression(source)(ACTIVATION);
  } catch (error) {
    return error;
  }
}

function compiled(source: string): unknown {
  const { expression } = compileExpression(source, 'any', 'when');
  assert.ok(expression, `${source} did not compile`);
  assert.equal(expression.compiled, true, `${source} runs on the interpreter`);
  return expression.evaluateOrError(ACTIVATION);
}

function errorCode(value: unknown): string | undefined {
  return value instanceof Error ? (value as Error & { code?: string }).code : undefined;
}

for (const text of ['', ' ', '0b1', '0o7', '1_000', '1e3', '--1']) {
  test(`int(${JSON.stringify(text)}) fails on both paths`, () => {
    const source = `int(${JSON.stringify(text)}) > 1`;

    assert.equal(errorCode(compiled(source)), 'int_conversion_error');
    assert.equal(errorCode(interpret(source)), 'int_conversion_error');
  });
}

test('int of an empty header fails on both paths', () => {
  const source = "int(request.headers['x-count']) > 10";

  assert.equal(errorCode(compiled(source)), 'int_conversion_error');
  assert.equal(errorCode(interpret(source)), 'int_conversion_error');
});

for (const [source, expected] of [["int(request.headers['x-limit']) == 42", true], ["int('-7') + int('+7')", 0n], ['int(int(\'12\')) == 12', true], ['int(2.9) == 2', true]] as const) {
  test(`${source} agrees on both paths`, () => {
    assert.equal(compiled(source), expected);
    assert.equal(interpret(source), expected);
  });
}

test('interpreted condition rejects int of an empty header', () => {
  // uint() keeps the whole condition on the interpreter.
  const { expression } = compileExpression("uint(1) == uint(1) && int(request.headers['x-count']) > 10", 'bool', 'when');
  assert.ok(expression);
  assert.equal(expression.compiled, false);

  assert.equal(errorCode(expression.evaluateOrError(ACTIVATION)), 'int_conversion_error');
});
