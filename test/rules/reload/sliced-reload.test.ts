// A live reload compiles in slices that give the event loop turns, and a rule
// set over --max-rules is rejected with the count, the limit and the setting
// to raise, at startup and on reload; so is a file over --max-rule-file-bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { queryObjects } from 'node:v8';
import { Document as YamlDocument } from 'yaml';
import { compileRuleFiles, compileRuleFileSteps, loadRuleSet, readRuleFiles } from '../../../src/rules/load.js';
import { RuleLoadError } from '../../../src/rules/problems.js';
import { runInSlices } from '../../../src/rules/reload/slices.js';
import { parseSourceFileSteps, SourceFile } from '../../../src/rules/source.js';
import { startTestService } from '../../helpers/service-harness.js';
import { temporaryDirectory } from '../builders.js';

/** Writes `count` rules, each a header condition and a tag, to rules.yaml in a new directory; returns the file. */
function writeRules(count: number, directory = temporaryDirectory()): string {
  const lines = ['apiVersion: ctxproc.dev/v1', 'kind: RuleSet', `metadata: { name: many-${count} }`, 'rules:'];
  for (let i = 0; i < count; i += 1) {
    lines.push(`  - id: tenant-${i}`, `    description: Tags requests of tenant ${i}.`, `    when: "request.headers['x-tenant'] == 'tenant-${i}'"`, '    actions:', `      - tag: { tenant: t${i} }`);
  }
  const file = path.join(directory, 'rules.yaml');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function problemsOf(error: unknown): RuleLoadError['problems'] {
  assert.ok(error instanceof RuleLoadError, `expected a RuleLoadError, got ${String(error)}`);
  return error.problems;
}

test('runInSlices yields between slices', async () => {
  function* steps(): Generator<void, string> {
    for (let i = 0; i < 5; i += 1) {
      yield;
    }
    return 'done';
  }
  let turns = 0;
  const ticker = setInterval(() => {
    turns += 1;
  }, 0);

  // A slice of 0 ms ends after every step.
  const result = await runInSlices(steps(), 0);
  clearInterval(ticker);

  assert.equal(result, 'done');
  assert.ok(turns >= 1, `timers ran ${turns} times while the steps ran`);
});

test('sliced compile equals compile at once', async () => {
  const contents = readRuleFiles(writeRules(50));

  const atOnce = compileRuleFiles(contents);
  const sliced = await runInSlices(compileRuleFileSteps(contents), 0);

  assert.deepEqual(sliced.rules.map((rule) => [rule.id, rule.line, rule.phase]), atOnce.rules.map((rule) => [rule.id, rule.line, rule.phase]));
  assert.equal(sliced.version, atOnce.version);
});

test('stepped parse equals parseDocument', async () => {
  const texts = {
    rules: fs.readFileSync(writeRules(60), 'utf8'),
    syntax: 'rules:\n  - id: a\n    when: [unclosed\n',
    twoDocuments: 'a: 1\n---\nb: 2\n',
    empty: '',
  };

  for (const [name, text] of Object.entries(texts)) {
    const direct = new SourceFile(`${name}.yaml`, text);
    const stepped = await runInSlices(parseSourceFileSteps(`${name}.yaml`, text), 0);

    assert.deepEqual(stepped.data, direct.data, name);
    assert.deepEqual(stepped.problems, direct.problems, name);
    assert.deepEqual(stepped.locate(['rules', 59, 'when']), direct.locate(['rules', 59, 'when']), name);
  }
});

test('rule set over --max-rules rejected', () => {
  const file = writeRules(11);

  const error = (() => {
    try {
      loadRuleSet(file, { maxRules: 10 });
      return null;
    } catch (caught) {
      return caught;
    }
  })();
  const problems = problemsOf(error);

  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.code, 'too_many_rules');
  assert.equal(problems[0]!.file, file);
  assert.equal(problems[0]!.message, 'the rule set has 11 rules across 1 file, over the limit of 10; this is rule 11. Raise --max-rules (CTXPROC_MAX_RULES) or remove rules');
  assert.equal(problems[0]!.line, 5 + 5 * 10, 'points at the eleventh rule, the first over the limit');
  assert.equal(loadRuleSet(file, { maxRules: 11 }).rules.length, 11);
});

test('rule limit counts across files', () => {
  const directory = temporaryDirectory();
  writeRules(6, directory);
  const second = path.join(directory, 'tenants-b.yaml');
  fs.writeFileSync(second, fs.readFileSync(path.join(directory, 'rules.yaml'), 'utf8').replaceAll('tenant-', 'tenant-b-').replace('many-6', 'many-b'));

  const problems = problemsOf((() => {
    try {
      return loadRuleSet(directory, { maxRules: 10 });
    } catch (caught) {
      return caught;
    }
  })());

  assert.equal(problems[0]!.code, 'too_many_rules');
  assert.match(problems[0]!.message, /^the rule set has 12 rules across 2 files, over the limit of 10;/);
  assert.equal(path.basename(problems[0]!.file), 'tenants-b.yaml');
  assert.equal(problems[0]!.line, 5 + 5 * 4, 'points at the fifth rule of the second file, the eleventh of the set');
});

test('rule limit ignores problems of earlier files', () => {
  const directory = temporaryDirectory();
  writeRules(6, directory);
  fs.renameSync(path.join(directory, 'rules.yaml'), path.join(directory, 'tenants-b.yaml'));
  fs.writeFileSync(path.join(directory, 'broken-a.yaml'), 'apiVersion: ctxproc.dev/v1\nkind: RuleSet\nmetadata: { name: broken }\nrules:\n  - id: [unclosed\n');
  writeRules(6, directory);

  const problems = problemsOf((() => {
    try {
      return loadRuleSet(directory, { maxRules: 10 });
    } catch (caught) {
      return caught;
    }
  })());

  assert.equal(problems.length, 1, problems.map((problem) => problem.message).join('\n'));
  assert.equal(problems[0]!.code, 'too_many_rules');
  assert.match(problems[0]!.message, /^the rule set has 12 rules across 3 files, over the limit of 10;/);
  assert.equal(path.basename(problems[0]!.file), 'tenants-b.yaml');
});

test('compile drops each file document', () => {
  const directory = temporaryDirectory();
  for (let file = 0; file < 5; file += 1) {
    const lines = ['apiVersion: ctxproc.dev/v1', 'kind: RuleSet', `metadata: { name: file-${file} }`, 'rules:'];
    for (let i = 0; i < 20; i += 1) {
      lines.push(`  - id: file-${file}-rule-${i}`, '    description: Tags one tenant.', `    when: "request.headers['x-tenant'] == 'tenant-${i}'"`, '    actions:', `      - tag: { tenant: t${i} }`);
    }
    fs.writeFileSync(path.join(directory, `rules-${file}.yaml`), `${lines.join('\n')}\n`);
  }
  const steps = compileRuleFileSteps(readRuleFiles(directory));

  // v8.queryObjects collects garbage before it counts, which is slow, so it
  // samples every 20th step. A document lives only from the step that
  // builds it to the end of its file's parse.
  let maxLive = 0;
  let step = steps.next();
  for (let count = 0; !step.done; count += 1) {
    if (count % 20 === 0) {
      maxLive = Math.max(maxLive, queryObjects(YamlDocument, { format: 'count' }) as number);
    }
    step = steps.next();
  }

  assert.equal(step.value.rules.length, 100);
  assert.ok(maxLive <= 1, `${maxLive} YAML documents were alive at once`);
});

test('reload over --max-rules rejected', async (t) => {
  const directory = temporaryDirectory();
  const file = writeRules(5, directory);
  const ctxproc = await startTestService({ rules: directory, maxRules: 10 });
  t.after(() => ctxproc.stop());
  const active = ctxproc.service.ruleSet.version;

  writeRules(11, directory);
  const outcome = await ctxproc.service.reloadRules();

  assert.equal(outcome, 'rejected');
  assert.equal(ctxproc.service.ruleSet.version, active);
  assert.equal(ctxproc.service.rulesStatus().lastRejected?.problems[0]?.code, 'too_many_rules');
  assert.ok(fs.existsSync(file));
});

test('rule file over size limit rejected', () => {
  const directory = temporaryDirectory();
  const file = writeRules(11, directory);
  const second = path.join(directory, 'tenants-b.yaml');
  fs.writeFileSync(second, fs.readFileSync(file, 'utf8').replaceAll('tenant-', 'tenant-b-').replace('many-11', 'many-b'));
  const bytes = fs.statSync(file).size;
  const secondBytes = fs.statSync(second).size;

  const problems = problemsOf((() => {
    try {
      return loadRuleSet(directory, { maxRuleFileBytes: bytes - 1 });
    } catch (caught) {
      return caught;
    }
  })());

  assert.deepEqual(problems.map((problem) => [problem.code, path.basename(problem.file)]), [['rule_file_too_large', 'rules.yaml'], ['rule_file_too_large', 'tenants-b.yaml']]);
  assert.equal(problems[0]!.message, `the rule file has ${bytes} bytes, over the limit of ${bytes - 1}; split its rules across several files in the rule directory, or raise --max-rule-file-bytes (CTXPROC_MAX_RULE_FILE_BYTES)`);
  assert.match(problems[1]!.message, new RegExp(`^the rule file has ${secondBytes} bytes,`));
  assert.equal(loadRuleSet(directory, { maxRuleFileBytes: Math.max(bytes, secondBytes) }).rules.length, 22);
});

test('file size counts UTF-8 bytes', () => {
  const file = writeRules(1);
  fs.appendFileSync(file, '# Grüße\n');
  const bytes = Buffer.byteLength(fs.readFileSync(file, 'utf8'));

  assert.throws(() => loadRuleSet(file, { maxRuleFileBytes: bytes - 1 }), RuleLoadError);
  assert.equal(loadRuleSet(file, { maxRuleFileBytes: bytes }).rules.length, 1);
});

test('reload over file size limit rejected', async (t) => {
  const directory = temporaryDirectory();
  writeRules(5, directory);
  const limit = fs.statSync(path.join(directory, 'rules.yaml')).size + 100;
  const ctxproc = await startTestService({ rules: directory, maxRuleFileBytes: limit });
  t.after(() => ctxproc.stop());
  const active = ctxproc.service.ruleSet.version;

  writeRules(50, directory);
  const outcome = await ctxproc.service.reloadRules();

  assert.equal(outcome, 'rejected');
  assert.equal(ctxproc.service.ruleSet.version, active);
  assert.equal(ctxproc.service.rulesStatus().lastRejected?.problems[0]?.code, 'rule_file_too_large');
});

test('large reload lets timers run', async (t) => {
  const directory = temporaryDirectory();
  writeRules(5, directory);
  // 2,000 rules in one file take about 240 KiB, over the default --max-rule-file-bytes.
  const ctxproc = await startTestService({ rules: directory, maxRuleFileBytes: 1024 * 1024 });
  t.after(() => ctxproc.stop());

  writeRules(2000, directory);
  let turns = 0;
  const ticker = setInterval(() => {
    turns += 1;
  }, 0);
  const outcome = await ctxproc.service.reloadRules();
  clearInterval(ticker);

  assert.equal(outcome, 'applied');
  assert.equal(ctxproc.service.ruleSet.rules.length, 2000);
  // Compiled at once, the whole reload would run between two timer turns.
  assert.ok(turns >= 2, `timers ran ${turns} times during the reload`);
});
