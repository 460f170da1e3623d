// `ctxproc check` and `ctxproc test` as users run them: the built CLI in a
// child process. check must reject each broken rule file with exit status 1
// and one `file:line:column: message` line. test must pass on the shipped
// rules and report a failing test with its position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/spawn-ctxproc.js';

const BROKEN = 'test/fixtures/rules/broken';

interface BrokenCase {
  /** What kind of mistake the file makes. */
  kind: string;
  file: string;
  line: number;
  column: number;
  message: RegExp;
}

const BROKEN_FILES: BrokenCase[] = [
  { kind: 'YAML syntax', file: 'bad-yaml.yaml', line: 8, column: 1, message: /^invalid YAML: .*Flow sequence/ },
  { kind: 'unknown field', file: 'unknown-field.yaml', line: 7, column: 5, message: /^unknown field 'condition' in rules\[0\]; expected one of: id, description, when/ },
  { kind: 'unknown action', file: 'unknown-action.yaml', line: 8, column: 9, message: /^unknown action 'logg' in rules\[0\]\.actions\[0\]; expected one of: / },
  { kind: 'bad CEL', file: 'bad-cel.yaml', line: 7, column: 30, message: /^invalid CEL in when: Unexpected token/ },
  { kind: 'type error', file: 'cel-type.yaml', line: 7, column: 12, message: /^invalid CEL in when: .*no such overload: string \+ int/ },
  { kind: 'unknown attribute', file: 'unknown-attribute.yaml', line: 7, column: 39, message: /^unknown attribute 'request\.cookie'/ },
  { kind: 'unsafe regex', file: 'unsafe-matches.yaml', line: 7, column: 37, message: /^matches\(\) pattern "\^\/\(a\+\)\+\$": a repeated group contains a repetition/ },
  { kind: 'duplicate id', file: 'duplicate-id.yaml', line: 9, column: 9, message: /^duplicate rule id 'same': already defined at test\/fixtures\/rules\/broken\/duplicate-id\.yaml:5:9/ },
  { kind: 'phase conflict', file: 'upstream-in-response-rule.yaml', line: 10, column: 9, message: /^set_header in rule 'too-late' cannot take effect: .*reads response\.code/ },
  { kind: 'bad action status', file: 'bad-status.yaml', line: 9, column: 19, message: /^invalid block status 499/ },
  { kind: 'bad action header name', file: 'bad-header-name.yaml', line: 10, column: 17, message: /^invalid header name 'x threat'/ },
  { kind: 'failing rule test', file: 'failing-test.yaml', line: 15, column: 15, message: /^test 'the admin area asks for a login' failed: expected status 401, but the client received 403, from the block of rule 'block-admin'$/ },
  { kind: 'test naming an unknown rule', file: 'test-unknown-rule.yaml', line: 14, column: 17, message: /^test 'names a rule id that was renamed' expects matched rule 'deny-admin', but no loaded file defines it/ },
];

for (const broken of BROKEN_FILES) {
  test(`check rejects ${broken.kind}`, async () => {
    const file = `${BROKEN}/${broken.file}`;
    const result = await runCli(['check', file]);

    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.split('\n');
    const prefix = `${file}:${broken.line}:${broken.column}: `;
    assert.ok(lines[0]!.startsWith(prefix), `expected "${prefix}", got "${lines[0]}"`);
    assert.match(lines[0]!.slice(prefix.length), broken.message);
    assert.equal(lines[2], `${file}: invalid rule set, 1 problem`);
  });
}

test('check accepts shipped rules', async () => {
  const result = await runCli(['check', 'rules']);

  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^rules: valid rule set sha256:[0-9a-f]{12}: \d+ rules in \d+ files?, \d+ rule tests passed\n$/);
});

test('check prints json', async () => {
  const result = await runCli(['check', `${BROKEN}/bad-cel.yaml`, '--json']);
  const output = JSON.parse(result.stdout) as { valid: boolean; version: string | null; problems: Array<Record<string, unknown>> };

  assert.equal(result.code, 1);
  assert.equal(output.valid, false);
  assert.equal(output.version, null);
  assert.deepEqual(output.problems.map((problem) => [problem['code'], problem['line'], problem['column']]), [['cel_syntax', 7, 30]]);
});

test('test passes shipped rules', async () => {
  const result = await runCli(['test', 'rules']);

  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^pass {2}an unsuccessful request is logged with its credentials redacted {2}\(rules\/default\.yaml:\d+\)$/m);
  assert.doesNotMatch(result.stdout, /FAIL/);
  assert.match(result.stdout, /\n\d+ tests: (\d+) passed, 0 failed\n$/);
});

test('test reports a failing test', async () => {
  const file = `${BROKEN}/failing-test.yaml`;
  const result = await runCli(['test', file]);

  assert.equal(result.code, 1);
  assert.equal(result.stdout, [
    `FAIL  the admin area asks for a login  (${file}:11)`,
    `      ${file}:15:15: expected status 401, but the client received 403, from the block of rule 'block-admin'`,
    '',
    '1 test: 0 passed, 1 failed',
    '',
  ].join('\n'));
});

test('test stops on rules that do not load', async () => {
  const result = await runCli(['test', `${BROKEN}/bad-cel.yaml`]);

  assert.equal(result.code, 1);
  assert.match(result.stdout, /^test\/fixtures\/rules\/broken\/bad-cel\.yaml:7:30: invalid CEL in when/);
  assert.match(result.stdout, /the rules do not load, so no test ran; fix the problems above\n$/);
});
