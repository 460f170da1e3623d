// Parsing rule files in a worker thread, as a live reload does: the files,
// problems and locations must be those of a parse on the main thread.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { compileRuleFiles, compileRuleFileSteps, readRuleFiles, type RuleFileContents } from '../../../src/rules/load.js';
import { RuleLoadError, type RuleProblem } from '../../../src/rules/problems.js';
import { runAtOnce, runInSlices } from '../../../src/rules/reload/slices.js';
import { WorkerFileParser } from '../../../src/rules/reload/worker-parser.js';
import { SourceFile } from '../../../src/rules/source.js';
import { FIXTURES, temporaryDirectory } from '../builders.js';

const BROKEN = path.join(FIXTURES, 'broken');

/** Returns the problems of compiling contents at once, or an empty list when it compiles. */
function problemsAtOnce(contents: RuleFileContents): readonly RuleProblem[] {
  try {
    compileRuleFiles(contents);
    return [];
  } catch (error) {
    assert.ok(error instanceof RuleLoadError, `expected a RuleLoadError, got ${String(error)}`);
    return error.problems;
  }
}

/** Returns the problems of compiling contents in slices with a worker parser, or an empty list when it compiles. */
async function problemsInWorker(contents: RuleFileContents): Promise<readonly RuleProblem[]> {
  const parser = new WorkerFileParser();
  try {
    await runInSlices(compileRuleFileSteps(contents, {}, parser.stepsFor(contents.files)), 0);
    return [];
  } catch (error) {
    assert.ok(error instanceof RuleLoadError, `expected a RuleLoadError, got ${String(error)}`);
    return error.problems;
  } finally {
    await parser.close();
  }
}

test('worker parse equals main-thread parse', async (t) => {
  const parser = new WorkerFileParser();
  t.after(() => parser.close());

  for (const name of fs.readdirSync(BROKEN)) {
    const file = path.join(BROKEN, name);
    const text = fs.readFileSync(file, 'utf8');

    const direct = new SourceFile(file, text);
    const parsed = await parser.parse(file, text);

    assert.deepEqual(parsed.data, direct.data, name);
    assert.deepEqual(parsed.problems, direct.problems, name);
    assert.deepEqual(parsed.locate(['rules', 0, 'when'], { offset: 2 }), direct.locate(['rules', 0, 'when'], { offset: 2 }), name);
    assert.deepEqual(parsed.locate(['rules', 0], { key: 'actions' }), direct.locate(['rules', 0], { key: 'actions' }), name);
  }
});

test('worker compile reports the same problems', async () => {
  for (const name of fs.readdirSync(BROKEN)) {
    const directory = temporaryDirectory();
    fs.copyFileSync(path.join(BROKEN, name), path.join(directory, 'a.yaml'));
    fs.copyFileSync(path.join(BROKEN, name === 'bad-cel.yaml' ? 'unknown-action.yaml' : 'bad-cel.yaml'), path.join(directory, 'b.yaml'));
    const contents = readRuleFiles(directory);

    const expected = problemsAtOnce(contents);
    const problems = await problemsInWorker(contents);

    assert.ok(expected.length > 0, `${name} compiled without problems`);
    assert.deepEqual(problems, expected, name);
  }
});

test('worker compile equals compile at once', async () => {
  const directory = temporaryDirectory();
  for (let file = 0; file < 4; file += 1) {
    const lines = ['apiVersion: ctxproc.dev/v1', 'kind: RuleSet', `metadata: { name: file-${file} }`, 'rules:'];
    for (let i = 0; i < 30; i += 1) {
      lines.push(`  - id: f${file}-rule-${i}`, '    description: Tags one tenant.', `    when: "request.headers['x-tenant'] == 'tenant-${i}'"`, '    actions:', `      - tag: { tenant: t${i} }`);
    }
    fs.writeFileSync(path.join(directory, `rules-${file}.yaml`), `${lines.join('\n')}\n`);
  }
  const contents = readRuleFiles(directory);
  const parser = new WorkerFileParser();

  const atOnce = compileRuleFiles(contents);
  const inWorker = await runInSlices(compileRuleFileSteps(contents, {}, parser.stepsFor(contents.files)), 0);
  await parser.close();

  assert.deepEqual(inWorker.rules.map((rule) => [rule.id, rule.file, rule.line, rule.phase]), atOnce.rules.map((rule) => [rule.id, rule.file, rule.line, rule.phase]));
  assert.deepEqual(inWorker.files, atOnce.files);
  assert.equal(inWorker.version, atOnce.version);
});

test('closed worker parser rejects', async () => {
  const parser = new WorkerFileParser();
  await parser.close();

  await assert.rejects(parser.parse('rules.yaml', 'rules: []\n'), /the rule parsing worker was closed/);
});

test('parse resumed before reply throws', async (t) => {
  const parser = new WorkerFileParser();
  t.after(() => parser.close());
  const steps = parser.stepsFor([{ path: 'rules.yaml', text: 'rules: []\n' }])('rules.yaml', 'rules: []\n');

  const waiting = steps.next();

  assert.ok(waiting.value instanceof Promise);
  assert.throws(() => steps.next(), /the parse of rules\.yaml was resumed before the worker replied/);
  await waiting.value;
});

test('runAtOnce rejects a waiting step', () => {
  function* steps(): Generator<Promise<void>, number> {
    yield Promise.resolve();
    return 1;
  }

  assert.throws(() => runAtOnce(steps()), /cannot run at once; run them with runInSlices/);
});
