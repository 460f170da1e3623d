// What the rule index stores and returns. The benchmark's rule shapes are
// all indexed, and a lookup returns only the rules a transaction can match.
// An absent header keeps the rules whose condition then fails with an
// error, so that the error is still recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../../src/model/phase.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation } from '../../../src/rules/activation.js';
import { RuleEngine } from '../../../src/rules/engine.js';
import { loadRuleSet } from '../../../src/rules/load.js';
import { RulePlan } from '../../../src/rules/rule-index/rule-plan.js';
import { generateRules } from '../../../bench/rule-sets.js';
import { makeExchange, writeRuleFile } from '../builders.js';

test('benchmark rule shapes are all indexed', () => {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(generateRules(600).join(''))));
  assert.deepEqual(engine.indexSummary(), { indexed: 600, unindexed: 0 });
});

test('unindexed engine reports no indexed rules', () => {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(generateRules(12).join(''))), { indexed: false });
  assert.deepEqual(engine.indexSummary(), { indexed: 0, unindexed: 12 });
});

function rule(id: string, when: string): string {
  return `  - id: ${id}\n    description: Test rule ${id}.\n    when: ${JSON.stringify(when)}\n    actions:\n      - tag: { seen: '${id}' }\n`;
}

const RULES = [
  rule('delete-admin', "request.method == 'DELETE' && request.url_path.startsWith('/admin/')"),
  rule('api', "request.url_path.startsWith('/api/')"),
  rule('api-v1', "request.url_path.startsWith('/api/v1/')"),
  rule('tenant-present', "'x-tenant-id' in request.headers && request.headers['x-tenant-id'] == 't1'"),
  rule('tenant-bare', "request.headers['x-tenant-id'] == 't2'"),
  rule('get', "request.method in ['GET', 'HEAD']"),
  rule('negated', "!(request.method == 'GET')"),
].join('');

function candidateIds(plan: RulePlan, request: Parameters<typeof makeExchange>[0]): string[] {
  const activation = new Activation(makeExchange(request), newTransactionRecord());
  return plan.candidates(Phase.RequestHeaders, Phase.RequestHeaders, activation, false).map((index) => plan.rules[index]!.id);
}

test('lookup returns the rules a request can match', () => {
  const plan = new RulePlan(loadRuleSet(writeRuleFile(RULES)).rules, true);

  assert.deepEqual(candidateIds(plan, { method: 'GET', path: '/api/v1/x', headers: [['x-tenant-id', 't1']] }), ['api', 'api-v1', 'tenant-present', 'get', 'negated']);
  assert.deepEqual(candidateIds(plan, { method: 'DELETE', path: '/admin/users', headers: [['x-tenant-id', 't2']] }), ['delete-admin', 'tenant-bare', 'negated']);
  assert.deepEqual(candidateIds(plan, { method: 'POST', path: '/other', headers: [['x-tenant-id', 'none']] }), ['negated']);
});

test('absent entry keeps rules that would fail', () => {
  const plan = new RulePlan(loadRuleSet(writeRuleFile(RULES)).rules, true);

  // Without the header, tenant-bare's condition is a "no such key" error,
  // which must be recorded. tenant-present's condition is false.
  assert.deepEqual(candidateIds(plan, { method: 'POST', path: '/other' }), ['tenant-bare', 'negated']);
});

test('unknown values make every rule of a subject a candidate', () => {
  const plan = new RulePlan(loadRuleSet(writeRuleFile(RULES)).rules, true);
  const activation = new Activation(makeExchange(null), newTransactionRecord());

  const ids = plan.candidates(Phase.RequestHeaders, Phase.RequestHeaders, activation, false).map((index) => plan.rules[index]!.id);
  assert.deepEqual(ids, ['delete-admin', 'api', 'api-v1', 'tenant-present', 'tenant-bare', 'get', 'negated']);
});
