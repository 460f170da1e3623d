// Loading rule sets: valid files and directories (including a Kubernetes
// ConfigMap mount), and a table of broken files, each asserting the problem
// code, file, line, column and the words of the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRuleSet } from '../../src/rules/load.js';
import { RuleLoadError, type ProblemCode, type RuleProblem } from '../../src/rules/problems.js';
import { DEFAULT_RULES, FIXTURES, ruleSetYaml, temporaryDirectory, writeRuleFile } from './builders.js';

function loadProblems(target: string): RuleProblem[] {
  try {
    loadRuleSet(target);
  } catch (error) {
    assert.ok(error instanceof RuleLoadError, `expected RuleLoadError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail(`expected ${target} to be rejected`);
}

const RULE_A = `  - id: rule-a\n    description: First.\n    actions:\n      - tag: { file: a }\n`;
const RULE_B = `  - id: rule-b\n    description: Second.\n    when: "response.code == 404"\n    actions:\n      - log: {}\n`;

test('default rule file loads', () => {
  const ruleSet = loadRuleSet(DEFAULT_RULES);

  assert.deepEqual(ruleSet.rules.map((rule) => rule.id), ['redact-credentials', 'redact-oauth-code', 'add-request-id', 'log-unsuccessful']);
  assert.deepEqual(ruleSet.files, [DEFAULT_RULES]);
  assert.match(ruleSet.version, /^sha256:[0-9a-f]{12}$/);
  assert.ok(ruleSet.loadedAt instanceof Date);
  assert.equal(ruleSet.rules[0]?.ruleSetName, 'default');
});

test('rule records its file and line', () => {
  const file = writeRuleFile(RULE_A + RULE_B);
  const [first, second] = loadRuleSet(file).rules;

  assert.equal(first?.file, file);
  assert.equal(first?.line, 5);
  assert.equal(second?.line, 9);
  assert.equal(second?.index, 1);
});

test('version changes with content only', () => {
  const directory = temporaryDirectory();
  const file = writeRuleFile(RULE_A, directory);
  const first = loadRuleSet(file).version;
  const again = loadRuleSet(file).version;
  writeRuleFile(RULE_B, directory);
  const changed = loadRuleSet(file).version;

  assert.equal(first, again);
  assert.notEqual(first, changed);
});

test('directory loads yaml files in name order', () => {
  const directory = temporaryDirectory();
  writeRuleFile(RULE_B, directory, '20-second.yml');
  writeRuleFile(RULE_A, directory, '10-first.yaml');
  fs.writeFileSync(path.join(directory, 'README.md'), 'not a rule file');
  fs.writeFileSync(path.join(directory, '.hidden.yaml'), 'not: [valid');
  fs.mkdirSync(path.join(directory, 'nested.yaml'));

  const ruleSet = loadRuleSet(directory);

  assert.deepEqual(ruleSet.rules.map((rule) => rule.id), ['rule-a', 'rule-b']);
  assert.deepEqual(ruleSet.files, [path.join(directory, '10-first.yaml'), path.join(directory, '20-second.yml')]);
  assert.deepEqual(ruleSet.rules.map((rule) => rule.index), [0, 1]);
});

test('configmap mount reads through ..data', () => {
  // The kubelet's layout: keys are symlinks to ..data/<key>, ..data is a
  // symlink to a timestamped directory.
  const directory = temporaryDirectory();
  const versionOne = path.join(directory, '..2026_01_01_00_00_00.000000001');
  fs.mkdirSync(versionOne);
  fs.writeFileSync(path.join(versionOne, 'rules.yaml'), ruleSetYaml(RULE_A));
  fs.symlinkSync(path.basename(versionOne), path.join(directory, '..data'));
  fs.symlinkSync('..data/rules.yaml', path.join(directory, 'rules.yaml'));

  const first = loadRuleSet(directory);

  // An update: a new timestamped directory, then ..data swapped to it.
  const versionTwo = path.join(directory, '..2026_01_01_00_01_00.000000002');
  fs.mkdirSync(versionTwo);
  fs.writeFileSync(path.join(versionTwo, 'rules.yaml'), ruleSetYaml(RULE_B));
  fs.symlinkSync(path.basename(versionTwo), path.join(directory, '..data_tmp'));
  fs.renameSync(path.join(directory, '..data_tmp'), path.join(directory, '..data'));

  const second = loadRuleSet(directory);

  assert.deepEqual(first.rules.map((rule) => rule.id), ['rule-a']);
  assert.deepEqual(first.files, [path.join(directory, 'rules.yaml')]);
  assert.deepEqual(second.rules.map((rule) => rule.id), ['rule-b']);
  assert.notEqual(first.version, second.version);
});

test('missing path is rejected', () => {
  const target = path.join(temporaryDirectory(), 'absent.yaml');
  const [problem] = loadProblems(target);

  assert.equal(problem?.code, 'file_unreadable');
  assert.equal(problem?.file, target);
  assert.match(problem?.message ?? '', /not found/);
});

test('directory without rule files is rejected', () => {
  const directory = temporaryDirectory();
  fs.writeFileSync(path.join(directory, 'notes.txt'), '');
  const [problem] = loadProblems(directory);

  assert.equal(problem?.code, 'no_rule_files');
  assert.match(problem?.message ?? '', /no \*\.yaml or \*\.yml file/);
});

test('duplicate id across files', () => {
  const directory = temporaryDirectory();
  writeRuleFile(RULE_A, directory, 'a.yaml');
  writeRuleFile(RULE_A, directory, 'b.yaml');
  const problems = loadProblems(directory);

  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.code, 'duplicate_id');
  assert.equal(problems[0]?.file, path.join(directory, 'b.yaml'));
  assert.equal(problems[0]?.line, 5);
  assert.equal(problems[0]?.column, 9);
  assert.match(problems[0]?.message ?? '', new RegExp(`already defined at ${path.join(directory, 'a.yaml')}:5:9`));
});

test('rejected rule named by a test', () => {
  const broken = `  - id: rule-c\n    description: Broken condition.\n    when: "request.method =="\n    actions:\n      - log: {}\n`;
  const tests = `tests:\n  - name: rule-c matches\n    request: { path: /x }\n    expect:\n      matched: [rule-c]\n`;
  const problems = loadProblems(writeRuleFile(broken + tests));

  assert.equal(problems.length, 1, problems.map((problem) => problem.message).join('\n'));
  assert.equal(problems[0]?.code, 'cel_syntax');
});

test('test names a rule of a later file', () => {
  const directory = temporaryDirectory();
  const tests = `tests:\n  - name: rule-b answers 404\n    request: { path: /x }\n    response: { status: 404 }\n    expect:\n      matched: [rule-b]\n      not_matched: [rule-z]\n`;
  const first = writeRuleFile(RULE_A + tests, directory, 'a.yaml');
  writeRuleFile(RULE_B, directory, 'b.yaml');

  const problems = loadProblems(directory);

  assert.equal(problems.length, 1, problems.map((problem) => problem.message).join('\n'));
  assert.equal(problems[0]?.code, 'invalid_test');
  assert.equal(problems[0]?.file, first);
  assert.equal(problems[0]?.line, 15);
  assert.equal(problems[0]?.column, 21);
  assert.match(problems[0]?.message ?? '', /^test 'rule-b answers 404' expects not_matched rule 'rule-z', but no loaded file defines it; known rule ids: rule-a, rule-b$/);
});

test('every problem of every file is listed', () => {
  const directory = temporaryDirectory();
  fs.copyFileSync(path.join(FIXTURES, 'broken/bad-status.yaml'), path.join(directory, 'a.yaml'));
  fs.copyFileSync(path.join(FIXTURES, 'broken/unknown-action.yaml'), path.join(directory, 'b.yaml'));
  const error = (() => {
    try {
      loadRuleSet(directory);
    } catch (caught) {
      return caught as RuleLoadError;
    }
    return assert.fail('expected a RuleLoadError');
  })();

  assert.deepEqual(error.problems.map((problem) => problem.code), ['invalid_status', 'schema']);
  assert.match(error.message, /invalid rule set \(2 problems\)/);
  assert.match(error.message, new RegExp(`${path.join(directory, 'a.yaml')}:9:19: invalid block status 499`));
});

interface BrokenCase {
  file: string;
  code: ProblemCode;
  line: number;
  column: number;
  words: RegExp[];
}

const BROKEN_FILES: BrokenCase[] = [
  { file: 'bad-yaml.yaml', code: 'yaml_syntax', line: 8, column: 1, words: [/invalid YAML/, /Flow sequence/] },
  { file: 'unknown-tag.yaml', code: 'yaml_syntax', line: 8, column: 19, words: [/invalid YAML/, /Unresolved tag/] },
  { file: 'wrong-kind.yaml', code: 'schema', line: 2, column: 7, words: [/kind must be "RuleSet"/, /got "Ruleset"/] },
  { file: 'missing-id.yaml', code: 'schema', line: 5, column: 5, words: [/missing required field 'id'/, /rules\[0\]/] },
  { file: 'duplicate-id.yaml', code: 'duplicate_id', line: 9, column: 9, words: [/duplicate rule id 'same'/, /duplicate-id\.yaml:5:9/] },
  { file: 'unknown-action.yaml', code: 'schema', line: 8, column: 9, words: [/unknown action 'logg'/, /expected one of: log, log_payload, tag, set_field, set_header, append_header, remove_header, set_metadata, redact, block, debug/] },
  { file: 'two-keys-action.yaml', code: 'schema', line: 8, column: 9, words: [/2 keys \(log, tag\)/, /its own list item/] },
  { file: 'bad-cel.yaml', code: 'cel_syntax', line: 7, column: 30, words: [/invalid CEL in when/, /Unexpected token/] },
  { file: 'cel-type.yaml', code: 'cel_type', line: 7, column: 12, words: [/invalid CEL in when/, /no such overload: string \+ int/] },
  { file: 'has-index.yaml', code: 'cel_type', line: 7, column: 16, words: [/has\(\) invalid argument/, /write 'x-name' in request\.headers/] },
  { file: 'unknown-attribute.yaml', code: 'unknown_attribute', line: 7, column: 39, words: [/unknown attribute 'request\.cookie'/, /request has: method, path/] },
  { file: 'unknown-root.yaml', code: 'unknown_attribute', line: 7, column: 12, words: [/unknown attribute root 'upstream'/, /expected one of: request, response/] },
  { file: 'bad-status.yaml', code: 'invalid_status', line: 9, column: 19, words: [/invalid block status 499/, /use one of 400, 401/] },
  { file: 'status-below-200.yaml', code: 'schema', line: 8, column: 26, words: [/block\.status must be >= 200/, /got 100/] },
  { file: 'upper-case-header.yaml', code: 'invalid_header_name', line: 7, column: 12, words: [/header name 'X-Tenant-Id' in when never matches/, /write 'x-tenant-id'/] },
  { file: 'bad-header-name.yaml', code: 'invalid_header_name', line: 10, column: 17, words: [/invalid header name 'x threat'/, /RFC 9110 token/] },
  { file: 'upstream-in-response-rule.yaml', code: 'phase_conflict', line: 10, column: 9, words: [/set_header in rule 'too-late' cannot take effect/, /request_body phase/, /reads response\.code/] },
  { file: 'unknown-detector.yaml', code: 'schema', line: 8, column: 36, words: [/invalid value "ssn"/, /card_number, jwt, bearer_token, basic_credentials/] },
  { file: 'header-value-type.yaml', code: 'cel_type', line: 8, column: 58, words: [/set_header\.value must be a CEL expression of type string/, /returns int/, /quote literal text/] },
  { file: 'two-blocks.yaml', code: 'multiple_blocks', line: 9, column: 9, words: [/more than one block action/] },
  { file: 'unsafe-matches.yaml', code: 'unsafe_regex', line: 7, column: 37, words: [/matches\(\) pattern "\^\/\(a\+\)\+\$"/, /repeated group contains a repetition/, /in when/] },
  { file: 'dynamic-matches.yaml', code: 'unsafe_regex', line: 7, column: 33, words: [/matches\(\) needs a string literal pattern/] },
  { file: 'unsafe-pattern.yaml', code: 'unsafe_regex', line: 8, column: 54, words: [/redact pattern 'account'/, /repeated group contains a repetition/] },
];

for (const broken of BROKEN_FILES) {
  test(`broken file ${broken.file}`, () => {
    const file = path.join(FIXTURES, 'broken', broken.file);
    const problems = loadProblems(file);

    assert.equal(problems.length, 1, problems.map((problem) => problem.message).join('\n'));
    const [problem] = problems;
    assert.equal(problem?.code, broken.code);
    assert.equal(problem?.file, file);
    assert.equal(problem?.line, broken.line);
    assert.equal(problem?.column, broken.column);
    for (const words of broken.words) {
      assert.match(problem?.message ?? '', words);
    }
  });
}

test('upper-case header index rejected', () => {
  const file = writeRuleFile(`  - id: agent\n    description: Index form.\n    when: "response.headers['Content-Type'] == 'text/html' && request.headers['user-agent'] != ''"\n    actions:\n      - log: {}\n`);
  const problems = loadProblems(file);

  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.code, 'invalid_header_name');
  assert.equal(problems[0]?.line, 7);
  assert.equal(problems[0]?.column, 29);
  assert.match(problems[0]?.message ?? '', /'Content-Type'/);
});

test('empty file is rejected', () => {
  const file = path.join(temporaryDirectory(), 'empty.yaml');
  fs.writeFileSync(file, '# nothing here\n');
  const problems = loadProblems(file);

  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.code, 'schema');
  assert.match(problems[0]?.message ?? '', /no YAML document; expected a RuleSet/);
});

test('error message lists 100 problems', () => {
  const problems: RuleProblem[] = Array.from({ length: 130 }, (_, index) => ({ code: 'schema', file: 'rules.yaml', line: index + 1, message: `problem ${index}` }));
  const lines = new RuleLoadError(problems).message.split('\n');

  assert.equal(lines[0], 'invalid rule set (130 problems):');
  assert.equal(lines.length, 1 + 100 + 1);
  assert.equal(lines[100], 'rules.yaml:100:1: problem 99');
  assert.equal(lines[101], 'and 30 more; run ctxproc check on the rule path to list them all');
});
