// What a compiled expression keeps alive once its rule set is active. Every
// object it references survives until the next reload, so each one adds to the
// garbage-collection work of a live reload of thousands of rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queryObjects } from 'node:v8';
import { Environment } from '@marcbachmann/cel-js';
import { compileExpression, type CompiledExpression } from '../../../src/rules/cel.js';
import { CompiledEvaluationError } from '../../../src/rules/compiler/index.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation } from '../../../src/rules/activation.js';
import { makeExchange } from '../builders.js';

/** The cel-js AST node class, which the package does not export by name. */
const AST_NODE = new Environment().parse('1 + 1').ast.constructor;

/** Counts the live instances of ctor after a full garbage collection (v8.queryObjects collects first). */
function liveCount(ctor: new (...args: never[]) => unknown): number {
  return queryObjects(ctor, { format: 'count' }) as number;
}

test('compiled expressions keep no AST nodes', () => {
  const before = liveCount(AST_NODE as new () => unknown);

  const expressions: CompiledExpression[] = [];
  for (let i = 0; i < 200; i += 1) {
    const { expression } = compileExpression(`request.headers['x-tenant'] == 'tenant-${i}' && request.url_path.startsWith('/t${i}/')`, 'bool', 'when');
    assert.ok(expression, `expression ${i} did not compile`);
    expressions.push(expression);
  }

  // Each expression parses into about a dozen nodes, so keeping the parse
  // results would keep more than 2,000 of them.
  const added = liveCount(AST_NODE as new () => unknown) - before;
  assert.ok(added < 50, `${added} AST nodes stayed alive for ${expressions.length} compiled expressions`);
  assert.equal(expressions[199]!.compiled, true);
});

test('site errors carry no stack frames', () => {
  const { expression } = compileExpression("request.headers['x-tenant'] == 'a'", 'bool', 'when');
  assert.ok(expression);

  const exchange = makeExchange({ method: 'GET', path: '/', headers: [['accept', '*/*']] });
  const error = expression.evaluateOrError(new Activation(exchange, newTransactionRecord()));
  assert.ok(error instanceof CompiledEvaluationError, `expected a CompiledEvaluationError, got ${String(error)}`);
  assert.equal(error.code, 'no_such_key');
  assert.equal(error.stack, `CompiledEvaluationError: ${error.message}`);
});

test('site errors leave the stack trace limit unchanged', () => {
  const limit = Error.stackTraceLimit;

  compileExpression("request.headers['x-tenant'] == 'a'", 'bool', 'when');

  assert.equal(Error.stackTraceLimit, limit);
  assert.match(new Error('probe').stack ?? '', /\n\s+at /);
});

test('expressions of one shape share their site errors', () => {
  const before = liveCount(CompiledEvaluationError);

  const expressions: CompiledExpression[] = [];
  for (let i = 0; i < 200; i += 1) {
    const { expression } = compileExpression(`request.headers['x-tenant'] == 'tenant-${i}' && int(request.headers['x-count']) > ${i % 10}`, 'bool', 'when');
    assert.ok(expression, `expression ${i} did not compile`);
    expressions.push(expression);
  }

  // Each expression has several error sites; without sharing, 200 of them
  // would keep more than 600 errors alive. The tenant numbers have one to
  // three digits, which moves the later sites, so three shapes remain.
  const added = liveCount(CompiledEvaluationError) - before;
  assert.ok(added < 40, `${added} site errors stayed alive for ${expressions.length} expressions of one shape`);
});

test('a shared site error reports the failing rule’s own text', () => {
  const first = compileExpression("request.headers['x-tenant'] == 'a'", 'bool', 'when').expression;
  const second = compileExpression("request.headers['x-tenant'] == 'b'", 'bool', 'when').expression;
  const other = compileExpression("request.headers['x-region'] == 'a'", 'bool', 'when').expression;
  assert.ok(first);
  assert.ok(second);
  assert.ok(other);

  const activation = new Activation(makeExchange({ method: 'GET', path: '/', headers: [['accept', '*/*']] }), newTransactionRecord());
  const errors = [first, second, other].map((expression) => expression.evaluateOrError(activation) as CompiledEvaluationError);

  assert.equal(errors[0], errors[1]);
  assert.notEqual(errors[0], errors[2]);
  assert.equal(errors[2]!.message, 'No such key: x-region');
  assert.equal(other.source.slice(errors[2]!.range.start, errors[2]!.range.end), "request.headers['x-region']");
});
