// The log action's sink argument: names must be declared sinks, and the
// names of every matched log action reach the log decision.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { RuleLoadError } from '../../src/rules/problems.js';
import { newTransactionRecord } from '../../src/model/record.js';
import { makeExchange, writeRuleFile } from './builders.js';

const RULES = `  - id: to-archive
    description: Sends every event to the archive.
    actions:
      - log: { sink: archive }
  - id: to-both
    description: Sends every event to datadog and the archive.
    actions:
      - log: { sink: [datadog, archive] }
`;

const SINKS = new Set(['stdout', 'datadog', 'archive']);

test('log sinks merge across rules', () => {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(RULES), { sinkNames: SINKS }));
  const record = newTransactionRecord();
  engine.start().finish(makeExchange({ method: 'GET', path: '/' }), record);

  assert.deepEqual(record.log?.rules, ['to-archive', 'to-both']);
  assert.deepEqual(record.log?.sinks, ['archive', 'datadog']);
  assert.equal(record.log?.defaultSinks, false);
});

test('log without sink adds the default sinks', () => {
  const rules = `${RULES}  - id: plain
    description: Logs to the default sinks.
    actions:
      - log: {}
`;
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(rules), { sinkNames: SINKS }));
  const record = newTransactionRecord();
  engine.start().finish(makeExchange({ method: 'GET', path: '/' }), record);

  assert.deepEqual(record.log?.sinks, ['archive', 'datadog']);
  assert.equal(record.log?.defaultSinks, true);
});

test('unknown sink rejects the rule set', () => {
  const file = writeRuleFile(RULES);
  let problems: RuleLoadError['problems'] = [];
  try {
    loadRuleSet(file, { sinkNames: new Set(['stdout', 'datadog']) });
  } catch (error) {
    assert.ok(error instanceof RuleLoadError);
    problems = error.problems;
  }

  assert.equal(problems.length, 2);
  for (const problem of problems) {
    assert.equal(problem.code, 'unknown_sink');
    assert.match(problem.message, /sink 'archive', which is not declared; declared sinks: stdout, datadog/);
  }
  assert.equal(problems[0]?.line, 8, 'the line of the first sink argument');
});

test('sink name without sinks file must be stdout', () => {
  assert.doesNotThrow(() => loadRuleSet(writeRuleFile(`  - id: plain\n    description: Logs.\n    actions:\n      - log: { sink: stdout }\n`)));
  assert.throws(() => loadRuleSet(writeRuleFile(`  - id: plain\n    description: Logs.\n    actions:\n      - log: { sink: datadog }\n`)), RuleLoadError);
});
