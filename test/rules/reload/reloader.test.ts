// Reloading rules in a running service, one check at a time through
// reloadRules(): what is applied, what is rejected and reported once, and
// that a transaction already open finishes on the rule set it started with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessingResponse } from '../../../src/protocol/messages.js';
import { structToJson } from '../../../src/protocol/struct.js';
import { openClient, openRawStream, requestHeaders, responseHeaders, GET_HEADERS } from '../../helpers/raw-stream.js';
import { startTestService, type TestService } from '../../helpers/service-harness.js';
import { temporaryDirectory } from '../builders.js';
import { createConfigMapVolume } from './configmap-volume.js';

/** Returns a rule set whose only rule stamps each response with name. */
function stampRules(name: string): string {
  return `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: stamp }
rules:
  - id: stamp
    description: Tells the client which rule set handled the response.
    when: "has(response.code)"
    actions:
      - set_header: { to: downstream, name: x-rules, value: "'${name}'" }
`;
}

async function startOn(directory: string): Promise<TestService> {
  return startTestService({ rules: directory });
}

async function serviceOn(rules: string): Promise<{ ctxproc: TestService; file: string }> {
  const directory = temporaryDirectory();
  const file = path.join(directory, 'rules.yaml');
  fs.writeFileSync(file, rules);
  return { ctxproc: await startOn(directory), file };
}

function stampOf(reply: ProcessingResponse): string | undefined {
  const options = reply.response_headers?.response?.header_mutation?.set_headers ?? [];
  return options.find((option) => option.header.key === 'x-rules')?.header.raw_value?.toString();
}

function rulesVersionOf(reply: ProcessingResponse): unknown {
  return (structToJson(reply.dynamic_metadata)['ctxproc'] as Record<string, unknown> | undefined)?.['rules_version'];
}

test('unchanged files are not reloaded', async (t) => {
  const { ctxproc } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());

  assert.equal(await ctxproc.service.reloadRules(), 'unchanged');
  assert.equal(ctxproc.service.rulesStatus().lastRejected, null);
});

test('changed file is applied', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());
  const before = ctxproc.service.ruleSet.version;

  fs.writeFileSync(file, stampRules('v2'));
  const outcome = await ctxproc.service.reloadRules();

  assert.equal(outcome, 'applied');
  assert.notEqual(ctxproc.service.ruleSet.version, before);
  const logged = ctxproc.logs.find((line) => line.message === 'rule set reloaded');
  assert.equal(logged?.rules_version, ctxproc.service.ruleSet.version);
  assert.equal(logged?.previous_rules_version, before);
  assert.equal(logged?.rule_count, 1);
});

test('invalid set is rejected once', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());
  const active = ctxproc.service.ruleSet.version;

  fs.writeFileSync(file, stampRules('v2').replace('has(response.code)', 'has(response.cod)'));
  const first = await ctxproc.service.reloadRules();
  const second = await ctxproc.service.reloadRules();

  assert.equal(first, 'rejected');
  assert.equal(second, 'unchanged');
  assert.equal(ctxproc.service.ruleSet.version, active);
  const rejected = ctxproc.service.rulesStatus().lastRejected;
  assert.equal(rejected?.problems.length, 1);
  assert.equal(rejected?.problems[0]?.code, 'unknown_attribute');
  assert.equal(rejected?.problems[0]?.file, file);
  assert.equal(rejected?.problems[0]?.line, 7);
  assert.match(rejected?.problems[0]?.message ?? '', /response\.cod/);
  assert.notEqual(rejected?.version, active);
  assert.equal(ctxproc.logs.filter((line) => line.message?.startsWith('changed rule set rejected')).length, 1);
  const metrics = await ctxproc.service.metrics.registry.getSingleMetricAsString('ctxproc_rule_reloads_total');
  assert.match(metrics, /result="rejected"\} 1/);
});

test('rejection lists the first 100 problems', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());
  const broken = Array.from({ length: 150 }, (_, index) => `  - id: broken-${index}
    description: Reads an attribute that does not exist.
    when: "has(response.cod)"
    actions:
      - tag: { broken: "yes" }
`).join('');

  fs.writeFileSync(file, `${stampRules('v2')}${broken}`);

  assert.equal(await ctxproc.service.reloadRules(), 'rejected');
  const rejected = ctxproc.service.rulesStatus().lastRejected;
  assert.equal(rejected?.problemCount, 150);
  assert.equal(rejected?.problems.length, 100);
  assert.equal(rejected?.problems[99]?.line, 12 + 5 * 99);
  const logged = ctxproc.logs.find((line) => line.message?.startsWith('changed rule set rejected'));
  assert.equal(logged?.problem_count, 150);
  assert.equal((logged?.problems as unknown[]).length, 100);
  assert.match(logged?.message ?? '', /150 problems, the first 100 listed/);
});

test('rejection cleared after a fix', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());

  fs.writeFileSync(file, 'rules: [');
  assert.equal(await ctxproc.service.reloadRules(), 'rejected');
  fs.writeFileSync(file, stampRules('v2'));
  assert.equal(await ctxproc.service.reloadRules(), 'applied');

  const status = ctxproc.service.rulesStatus();
  assert.equal(status.version, ctxproc.service.ruleSet.version);
  assert.equal(status.lastRejected, null);
});

/** Reads /rules from the admin server, as an operator would. */
async function adminRules(ctxproc: TestService): Promise<{ version: string; lastRejected: { problems: Array<{ code: string; file: string }> } | null }> {
  const response = await fetch(`http://127.0.0.1:${ctxproc.service.adminPort}/rules`);
  return await response.json() as { version: string; lastRejected: { problems: Array<{ code: string; file: string }> } | null };
}

test('deleted file rejection cleared on reload', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());
  const broken = path.join(path.dirname(file), 'broken.yaml');

  fs.writeFileSync(broken, 'rules: [');
  assert.equal(await ctxproc.service.reloadRules(), 'rejected');
  const whileBroken = await adminRules(ctxproc);
  fs.rmSync(broken);
  fs.writeFileSync(file, stampRules('v2'));
  assert.equal(await ctxproc.service.reloadRules(), 'applied');
  const afterDelete = await adminRules(ctxproc);

  assert.deepEqual(whileBroken.lastRejected?.problems.map((problem) => [problem.code, problem.file]), [['yaml_syntax', broken]]);
  assert.equal(afterDelete.version, ctxproc.service.ruleSet.version);
  assert.equal(afterDelete.lastRejected, null);
});

test('fixed and deleted files cleared together', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());
  const broken = path.join(path.dirname(file), 'broken.yaml');

  fs.writeFileSync(broken, 'rules: [');
  fs.writeFileSync(file, stampRules('v2').replace('has(response.code)', 'has(response.cod)'));
  assert.equal(await ctxproc.service.reloadRules(), 'rejected');
  const whileBroken = ctxproc.service.rulesStatus();
  fs.rmSync(broken);
  fs.writeFileSync(file, stampRules('v2'));
  assert.equal(await ctxproc.service.reloadRules(), 'applied');

  assert.deepEqual(whileBroken.lastRejected?.problems.map((problem) => problem.code).sort(), ['unknown_attribute', 'yaml_syntax']);
  assert.equal(ctxproc.service.rulesStatus().lastRejected, null);
});

test('emptied directory is rejected', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());

  fs.rmSync(file);
  assert.equal(await ctxproc.service.reloadRules(), 'rejected');
  assert.equal(await ctxproc.service.reloadRules(), 'unchanged');

  const rejected = ctxproc.service.rulesStatus().lastRejected;
  assert.equal(rejected?.version, null);
  assert.equal(rejected?.problems[0]?.code, 'no_rule_files');
  assert.equal(ctxproc.service.rulesStatus().ruleCount, 1);
});

test('dangling ..data link is rejected once', async (t) => {
  const directory = createConfigMapVolume({ 'rules.yaml': stampRules('v1') });
  const ctxproc = await startOn(directory);
  t.after(() => ctxproc.stop());

  fs.rmSync(fs.realpathSync(path.join(directory, '..data')), { recursive: true });
  assert.equal(await ctxproc.service.reloadRules(), 'rejected');
  assert.equal(await ctxproc.service.reloadRules(), 'unchanged');

  const problem = ctxproc.service.rulesStatus().lastRejected?.problems[0];
  assert.equal(problem?.code, 'file_unreadable');
  assert.equal(problem?.message, `cannot list rule directory ${directory}: its ..data link points at a missing or unreadable directory (ENOENT); check the ConfigMap volume, which Kubernetes may be swapping`);
  assert.equal(ctxproc.service.rulesStatus().ruleCount, 1);
});

test('failing rule test rejects the set', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());

  fs.writeFileSync(file, `${stampRules('v2')}tests:\n  - name: stamps v1\n    request: { path: / }\n    expect: { downstream_headers: { x-rules: v1 } }\n`);
  assert.equal(await ctxproc.service.reloadRules(), 'rejected');

  const problem = ctxproc.service.rulesStatus().lastRejected?.problems[0];
  assert.equal(problem?.code, 'test_failed');
  assert.equal(problem?.line, 13);
  assert.equal(problem?.column, 46);
  assert.equal(problem?.message, `test 'stamps v1' failed: expected header 'x-rules' on the response the client received to be "v1", got "v2"`);
});

test('open transaction keeps its rule set', async (t) => {
  const { ctxproc, file } = await serviceOn(stampRules('v1'));
  t.after(() => ctxproc.stop());
  const v1 = ctxproc.service.ruleSet.version;
  const client = openClient(ctxproc.target);
  t.after(() => client.close());

  const open = openRawStream(client);
  open.send(requestHeaders(GET_HEADERS));
  await open.nextReply();

  fs.writeFileSync(file, stampRules('v2'));
  assert.equal(await ctxproc.service.reloadRules(), 'applied');

  open.send(responseHeaders([[':status', '200']]));
  const oldReply = await open.nextReply();
  open.cancel();

  const fresh = openRawStream(client);
  fresh.send(requestHeaders(GET_HEADERS));
  await fresh.nextReply();
  fresh.send(responseHeaders([[':status', '200']]));
  const newReply = await fresh.nextReply();
  fresh.cancel();

  assert.equal(stampOf(oldReply), 'v1');
  assert.equal(rulesVersionOf(oldReply), v1);
  assert.equal(stampOf(newReply), 'v2');
  assert.equal(rulesVersionOf(newReply), ctxproc.service.ruleSet.version);
});

test('first load with a failing test fails', async () => {
  const directory = temporaryDirectory();
  fs.writeFileSync(path.join(directory, 'rules.yaml'), `${stampRules('v1')}tests:\n  - name: stamps v2\n    request: { path: / }\n    expect: { downstream_headers: { x-rules: v2 } }\n`);

  await assert.rejects(startOn(directory), (error: Error & { problems?: Array<{ code: string; line: number }> }) => {
    assert.equal(error.name, 'RuleLoadError');
    assert.equal(error.problems?.[0]?.code, 'test_failed');
    assert.equal(error.problems?.[0]?.line, 13);
    return true;
  });
});
