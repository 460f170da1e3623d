// `ctxproc check` and `ctxproc test` take serve's rule-set limits, so a set
// that serve runs under raised limits checks, and a set over them fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/spawn-ctxproc.js';

function writeRules(count: number): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-limits-'));
  const lines = ['apiVersion: ctxproc.dev/v1', 'kind: RuleSet', 'metadata: { name: limits }', 'rules:'];
  for (let i = 0; i < count; i += 1) {
    lines.push(`  - id: tenant-${i}`, `    description: Tags requests of tenant ${i}.`, `    when: "request.headers['x-tenant'] == 't${i}'"`, '    actions:', `      - tag: { tenant: t${i} }`);
  }
  fs.writeFileSync(path.join(directory, 'rules.yaml'), `${lines.join('\n')}\n`);
  return directory;
}

test('check over --max-rules fails at the rule', async () => {
  const directory = writeRules(4);

  const result = await runCli(['check', directory, '--max-rules', '3']);

  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /rules\.yaml:20:\d+: the rule set has 4 rules across 1 file, over the limit of 3; this is rule 4\. Raise --max-rules/);
});

test('check and test pass under raised limits', async () => {
  const directory = writeRules(4);
  const bytes = fs.statSync(path.join(directory, 'rules.yaml')).size;

  const check = await runCli(['check', directory, '--max-rules', '4', '--max-rule-file-bytes', String(bytes)]);
  const ruleTests = await runCli(['test', directory, '--max-rules', '4']);

  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /valid rule set .*4 rules in 1 file/);
  assert.equal(ruleTests.code, 0, ruleTests.stdout + ruleTests.stderr);
  assert.match(ruleTests.stdout, /no rule tests/);
});

test('test over --max-rule-file-bytes fails', async () => {
  const directory = writeRules(2);

  const result = await runCli(['test', directory, '--max-rule-file-bytes', '100']);

  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /rules\.yaml: the rule file has \d+ bytes, over the limit of 100; split its rules/);
  assert.match(result.stdout, /the rules do not load, so no test ran/);
});

test('check with invalid limit exits 2', async () => {
  const directory = writeRules(1);

  const result = await runCli(['check', directory, '--max-rules', 'many']);

  assert.equal(result.code, 2);
  assert.match(result.stderr, /^ctxproc: CTXPROC_CONFIG_INVALID: --max-rules is "many"; expected a positive whole number/);
});

test('limit past maximum names it', async () => {
  const directory = writeRules(1);

  const result = await runCli(['check', directory, '--max-rules', '99999999999999999999']);

  assert.equal(result.code, 2);
  assert.match(result.stderr, /^ctxproc: CTXPROC_CONFIG_INVALID: --max-rules is 99999999999999999999; the maximum is \d+/);
});
