// A live reload builds the new engine (its rule index and body-needs plan)
// in slices too. Built in steps, the engine must hold the same index and
// decide the same as one built at once, and timers must run while it builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../../src/model/phase.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation } from '../../../src/rules/activation.js';
import { RuleEngine } from '../../../src/rules/engine.js';
import { loadRuleSet } from '../../../src/rules/load.js';
import { LiveRules } from '../../../src/rules/reload/live-rules.js';
import { runInSlices } from '../../../src/rules/reload/slices.js';
import { RulePlan } from '../../../src/rules/rule-index/rule-plan.js';
import { generateRules } from '../../../bench/rule-sets.js';
import { makeExchange, writeRuleFile } from '../builders.js';

function rule(id: string, when: string): string {
  return `  - id: ${id}\n    description: Test rule ${id}.\n    when: ${JSON.stringify(when)}\n    actions:\n      - tag: { seen: '${id}' }\n`;
}

// Guards of every kind, rules of several phases, and the benchmark's shapes.
const RULES = [
  rule('delete-admin', "request.method == 'DELETE' && request.url_path.startsWith('/admin/')"),
  rule('tenant-present', "'x-tenant-id' in request.headers && request.headers['x-tenant-id'] == 't1'"),
  rule('get', "request.method in ['GET', 'HEAD']"),
  rule('negated', "!(request.method == 'GET')"),
  rule('body', "request.body.contains('user')"),
  rule('response', 'response.code == 500'),
  ...generateRules(120),
].join('');

const REQUESTS = [
  { method: 'GET', path: '/api/v1/x', headers: [['x-tenant-id', 't1']] as Array<[string, string]> },
  { method: 'DELETE', path: '/admin/users', headers: [['x-tenant-id', 't2']] as Array<[string, string]> },
  { method: 'POST', path: '/login', headers: [['content-type', 'application/json']] as Array<[string, string]>, body: '{"user":"a"}' },
];

function candidates(plan: RulePlan, request: (typeof REQUESTS)[number]): readonly number[] {
  const activation = new Activation(makeExchange(request, { code: 500 }), newTransactionRecord());
  return plan.candidates(Phase.RequestHeaders, Phase.ResponseTrailers, activation, false);
}

function decisions(engine: RuleEngine, request: (typeof REQUESTS)[number]): unknown {
  const exchange = makeExchange(request, { code: 500 });
  const record = newTransactionRecord();
  const run = engine.start();
  const needs = run.bodyNeeds(exchange, record);
  run.runPhase(Phase.ResponseTrailers, exchange, record);
  return { needs, matched: record.matched };
}

test('stepped rule index equals at once', async () => {
  const rules = loadRuleSet(writeRuleFile(RULES)).rules;

  const atOnce = new RulePlan(rules, true);
  const stepped = await runInSlices(RulePlan.steps(rules, true), 0);

  assert.deepEqual(stepped.summary, atOnce.summary);
  assert.ok(atOnce.summary.indexed > 100, `only ${atOnce.summary.indexed} rules indexed; the comparison needs an index`);
  for (const request of REQUESTS) {
    assert.deepEqual(candidates(stepped, request), candidates(atOnce, request), `${request.method} ${request.path}`);
  }
});

test('stepped engine decides the same', async () => {
  const ruleSet = loadRuleSet(writeRuleFile(RULES));

  const atOnce = new RuleEngine(ruleSet);
  const stepped = await runInSlices(RuleEngine.steps(ruleSet), 0);

  assert.deepEqual(stepped.indexSummary(), atOnce.indexSummary());
  for (const request of REQUESTS) {
    assert.deepEqual(decisions(stepped, request), decisions(atOnce, request), `${request.method} ${request.path}`);
  }
  assert.deepEqual((decisions(stepped, REQUESTS[2]!) as { needs: unknown }).needs, { request: true, response: false });
});

test('sliced activation lets timers run', async () => {
  const small = loadRuleSet(writeRuleFile(generateRules(3).join('')));
  // Over the default --max-rule-file-bytes in one file; the limit is not what this test is about.
  const large = loadRuleSet(writeRuleFile(generateRules(2000).join('')), { maxRuleFileBytes: 1024 * 1024 });
  const live = new LiveRules(small);
  let turns = 0;
  let sawLarge = false;
  const ticker = setInterval(() => {
    turns += 1;
    sawLarge ||= live.ruleSet === large;
  }, 0);

  const activated = live.activateInSlices(large);
  const duringBuild = live.ruleSet;
  await activated;
  clearInterval(ticker);

  assert.equal(duringBuild, small);
  assert.equal(live.ruleSet, large);
  assert.equal(live.engine.indexSummary().indexed + live.engine.indexSummary().unindexed, 2000);
  // Built at once, the index would be done between two timer turns; the
  // set being built stays invisible until the swap.
  assert.ok(turns >= 2, `timers ran ${turns} times while the engine was built`);
  assert.equal(sawLarge, false);
});
