// The rule files shipped in rules/: each names the published JSON Schema for
// editors, and every rule in them is exercised by at least one rule test
// that states whether the rule matched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRuleSet } from '../../src/rules/load.js';
import { ruleSetSchemaPath } from '../../src/rules/schema.js';
import { runCli } from '../helpers/spawn-ctxproc.js';
import { PROJECT_ROOT } from './builders.js';

const RULES_DIRECTORY = path.join(PROJECT_ROOT, 'rules');
const SCHEMA_LINE = /^# yaml-language-server: \$schema=(\S+)\n/;

const shippedFiles = fs.readdirSync(RULES_DIRECTORY).filter((name) => /\.ya?ml$/.test(name));

test('schema has a stable id', () => {
  const schema = JSON.parse(fs.readFileSync(ruleSetSchemaPath(), 'utf8')) as Record<string, unknown>;

  assert.equal(schema['$id'], 'https://ctxproc.dev/schema/ruleset.schema.json');
  assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
});

for (const name of shippedFiles) {
  test(`${name} names the schema`, () => {
    const text = fs.readFileSync(path.join(RULES_DIRECTORY, name), 'utf8');
    const match = SCHEMA_LINE.exec(text);

    assert.ok(match, `${name} must start with a yaml-language-server $schema line`);
    assert.equal(path.resolve(RULES_DIRECTORY, match[1]!), ruleSetSchemaPath());
  });
}

test('every shipped rule is tested', () => {
  const ruleSet = loadRuleSet(RULES_DIRECTORY);
  const tested = new Set(ruleSet.tests.flatMap((ruleTest) => [...(ruleTest.expect.matched ?? []), ...(ruleTest.expect.not_matched ?? [])]));

  for (const rule of ruleSet.rules) {
    assert.ok(tested.has(rule.id), `no rule test in rules/ says whether '${rule.id}' matched`);
  }
});

test('schema command prints the schema', async () => {
  const result = await runCli(['schema']);

  assert.equal(result.code, 0);
  assert.equal(result.stdout, fs.readFileSync(ruleSetSchemaPath(), 'utf8'));
});
