import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRules, writeRuleSet } from '../../bench/rule-sets.js';
import { Phase } from '../../src/model/phase.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { REPO_ROOT } from '../helpers/service-harness.js';

// The benchmark's rule sets start from rules/default.yaml alone; detection rules have a benchmark of their own (bench/detection/).
const DEFAULT_RULE_COUNT = loadRuleSet(path.join(REPO_ROOT, 'rules', 'default.yaml')).rules.length;

test('generated rule sets load', (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-bench-rules-'));
  context.after(() => rmSync(directory, { recursive: true, force: true }));

  for (const count of [0, 10, 1000]) {
    const ruleSet = loadRuleSet(writeRuleSet(path.join(directory, String(count)), REPO_ROOT, { generated: count }));

    assert.equal(ruleSet.rules.length, DEFAULT_RULE_COUNT + count);
  }
});

test('body rule set reads the request body', (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-bench-rules-'));
  context.after(() => rmSync(directory, { recursive: true, force: true }));

  const ruleSet = loadRuleSet(writeRuleSet(directory, REPO_ROOT, { body: true }));
  const bodyRules = ruleSet.rules.filter((rule) => rule.id.startsWith('bench-body-'));

  assert.equal(bodyRules.length, 2);
  for (const rule of bodyRules) {
    assert.equal(rule.phase, Phase.RequestBody, `${rule.id} runs before the body arrives`);
  }
});

test('generated rule ids are unique', () => {
  const ids = generateRules(1000).map((rule) => /id: (\S+)/.exec(rule)?.[1]);

  assert.equal(new Set(ids).size, 1000);
});
