// `ctxproc check` and `ctxproc test` with --sinks: a log action may name a
// sink only when the offline commands know the sinks file serve will use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/spawn-ctxproc.js';

const FIXTURES = 'test/fixtures/sinks-option';
const RULES = `${FIXTURES}/archive-rules.yaml`;

test('check without --sinks rejects named sink', async () => {
  const result = await runCli(['check', RULES]);

  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /log action names sink 'archive', which is not declared; declared sinks: stdout/);
});

test('check and test with --sinks pass', async () => {
  const check = await runCli(['check', RULES, '--sinks', `${FIXTURES}/sinks.yaml`]);
  const ruleTests = await runCli(['test', RULES, '--sinks', `${FIXTURES}/sinks.yaml`]);

  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /valid rule set .*1 rule in 1 file, 1 rule test passed/);
  assert.equal(ruleTests.code, 0, ruleTests.stdout + ruleTests.stderr);
  assert.match(ruleTests.stdout, /a 503 is logged/);
});

test('check with invalid sinks file exits 2', async () => {
  const result = await runCli(['check', RULES, '--sinks', `${FIXTURES}/bad-sinks.yaml`]);

  assert.equal(result.code, 2);
  assert.match(result.stderr, /^ctxproc: CTXPROC_CONFIG_INVALID: sinks file test\/fixtures\/sinks-option\/bad-sinks\.yaml does not match schema\/sinks\.schema\.json: .*kind/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});
