// Rule tests run through a real ctxproc server and the Envoy-faithful
// client: one passing test with every kind of expectation, then a table of
// tests that each get one expectation wrong, asserting the message and the
// line and column of the expectation that failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRuleSet } from '../../../src/rules/load.js';
import { RuleLoadError, type ProblemCode } from '../../../src/rules/problems.js';
import { formatTestReport } from '../../../src/rules/testing/report.js';
import { failuresAsProblems, runRuleTests } from '../../../src/rules/testing/run-tests.js';
import { temporaryDirectory } from '../builders.js';

const RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: expectations }
rules:
  - id: block-admin
    description: Blocks the admin area.
    when: "request.url_path.startsWith('/admin')"
    actions:
      - block: { status: 403, body: denied }
  - id: log-errors
    description: Tags and logs responses of 500 and above.
    when: "has(response.code) && response.code >= 500"
    actions:
      - tag: { severity: high }
      - log: { fields: { route: request.url_path } }
  - id: mark-upstream
    description: Marks requests for the upstream and strips a debug header.
    actions:
      - set_header: { to: upstream, name: x-seen, value: "'yes'" }
      - remove_header: { to: upstream, name: x-debug }
  - id: mark-downstream
    description: Adds a header to every response.
    when: "has(response.code)"
    actions:
      - set_header: { to: downstream, name: x-served-by, value: "'ctxproc'" }
  - id: redact-token
    description: Redacts the token header.
    actions:
      - redact: { headers: [x-token] }
tests:
`;

function writeTests(tests: string): string {
  const file = path.join(temporaryDirectory(), 'rules.yaml');
  fs.writeFileSync(file, RULES + tests);
  return file;
}

/** Returns the 1-based line and column where needle first occurs in text after the line containing after. */
function positionOf(text: string, needle: string, after = 'tests:'): { line: number; column: number } {
  const start = text.indexOf(after);
  const offset = text.indexOf(needle, start);
  assert.ok(offset >= 0, `${needle} not in the rule file`);
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

test('every expectation kind passes', async () => {
  const file = writeTests(`  - name: an admin request is blocked
    request: { path: /admin/users }
    expect:
      blocked: true
      status: 403
      logged: false
      matched: [block-admin, mark-upstream]
      not_matched: [log-errors]
  - name: a failing upstream is logged and tagged
    request:
      path: /public?q=1
      headers: { x-token: tok-1234567890, x-debug: "on" }
    response: { status: 502, headers: { content-type: text/plain } }
    expect:
      blocked: false
      status: 502
      logged: true
      tags: { severity: high }
      fields: { route: /public }
      upstream_headers: { x-seen: "yes", x-debug: false, x-token: true }
      downstream_headers: { x-served-by: ctxproc, content-type: text/plain }
      redacted: [http.request.headers.x-token]
`);
  const report = await runRuleTests(loadRuleSet(file));

  assert.deepEqual(report.results.map((result) => result.failures), [[], []]);
  assert.equal(report.passed, 2);
  assert.equal(report.failed, 0);
  assert.ok(formatTestReport(report).startsWith(`pass  an admin request is blocked  (${file}:31)\n`));
  assert.match(formatTestReport(report), /\n2 tests: 2 passed, 0 failed\n$/);
});

interface FailingCase {
  name: string;
  test: string;
  /** Text of the expectation that fails, for its position. */
  at: string;
  message: RegExp;
}

const FAILING: FailingCase[] = [
  {
    name: 'blocked expected',
    test: `    request: { path: /public }\n    expect: { blocked: true }\n`,
    at: 'true',
    message: /^expected the request to be blocked, but no rule blocked it \(rules that matched: 'mark-upstream', 'redact-token', 'mark-downstream'\)$/,
  },
  {
    name: 'no block expected',
    test: `    request: { path: /admin }\n    expect: { blocked: false }\n`,
    at: 'false',
    message: /^expected no block, but rule 'block-admin' blocked the request with status 403$/,
  },
  {
    name: 'status',
    test: `    request: { path: /admin }\n    expect: { status: 200 }\n`,
    at: '200',
    message: /^expected status 200, but the client received 403, from the block of rule 'block-admin'$/,
  },
  {
    name: 'logged expected',
    test: `    request: { path: /public }\n    expect: { logged: true }\n`,
    at: 'true',
    message: /^expected a security event, but no rule logged the transaction \(rules that matched: /,
  },
  {
    name: 'no event expected',
    test: `    request: { path: /public }\n    response: { status: 500 }\n    expect: { logged: false }\n`,
    at: 'false',
    message: /^expected no security event, but rules 'log-errors' logged the transaction$/,
  },
  {
    name: 'matched',
    test: `    request: { path: /public }\n    expect: { matched: [mark-upstream, block-admin] }\n`,
    at: 'block-admin]',
    message: /^expected rule 'block-admin' to match, but it did not \(rules that matched: /,
  },
  {
    name: 'not matched',
    test: `    request: { path: /public }\n    expect: { not_matched: [mark-upstream] }\n`,
    at: 'mark-upstream]',
    message: /^expected rule 'mark-upstream' not to match, but it did$/,
  },
  {
    name: 'tag value',
    test: `    request: { path: /public }\n    response: { status: 500 }\n    expect: { tags: { severity: low } }\n`,
    at: 'low',
    message: /^expected tag severity:low, got severity:high$/,
  },
  {
    name: 'tag absent',
    test: `    request: { path: /public }\n    expect: { tags: { severity: high } }\n`,
    at: 'high',
    message: /^expected tag severity:high, but no rule set tag 'severity'/,
  },
  {
    name: 'field value',
    test: `    request: { path: /public }\n    response: { status: 500 }\n    expect: { fields: { route: /other } }\n`,
    at: '/other',
    message: /^expected field 'route' to be "\/other", got "\/public"$/,
  },
  {
    name: 'fields without event',
    test: `    request: { path: /public }\n    expect: { fields: { route: /public } }\n`,
    at: '{ route',
    message: /^expected event fields, but no security event was written$/,
  },
  {
    name: 'upstream header value',
    test: `    request: { path: /public }\n    expect: { upstream_headers: { x-seen: "no" } }\n`,
    at: '"no"',
    message: /^expected header 'x-seen' on the request the upstream received to be "no", got "yes"$/,
  },
  {
    name: 'removed upstream header',
    test: `    request: { path: /public, headers: { x-debug: "on" } }\n    expect: { upstream_headers: { x-debug: true } }\n`,
    at: 'true',
    message: /^expected header 'x-debug' on the request the upstream received, but it is absent$/,
  },
  {
    name: 'upstream headers of a block',
    test: `    request: { path: /admin }\n    expect: { upstream_headers: { x-seen: true } }\n`,
    at: '{ x-seen',
    message: /^expected headers on the request the upstream received, but the request never reached the upstream$/,
  },
  {
    name: 'downstream header',
    test: `    request: { path: /public }\n    expect: { downstream_headers: { x-served-by: false } }\n`,
    at: 'false',
    message: /^expected no header 'x-served-by' on the response the client received, but it has "ctxproc"$/,
  },
  {
    name: 'redaction location',
    test: `    request: { path: /public, headers: { x-other: value-123456 } }\n    response: { status: 500 }\n    expect: { redacted: [http.request.headers.x-other] }\n`,
    at: 'http.request.headers.x-other',
    message: /^expected http\.request\.headers\.x-other to be redacted, but the event lists no redaction there; it lists: /,
  },
];

for (const failing of FAILING) {
  test(`failing expectation: ${failing.name}`, async () => {
    const file = writeTests(`  - name: ${failing.name}\n${failing.test}`);
    const report = await runRuleTests(loadRuleSet(file));

    assert.equal(report.failed, 1);
    const failures = report.results[0]!.failures;
    assert.equal(failures.length, 1, failures.map((failure) => failure.message).join('\n'));
    assert.match(failures[0]!.message, failing.message);
    assert.deepEqual(failures[0]!.position, { file, ...positionOf(fs.readFileSync(file, 'utf8'), failing.at, `name: ${failing.name}`) });
  });
}

test('failures become problems', async () => {
  const file = writeTests(`  - name: wrong status\n    request: { path: /admin }\n    expect: { status: 200 }\n`);
  const problems = failuresAsProblems(await runRuleTests(loadRuleSet(file)));

  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.code, 'test_failed');
  assert.equal(problems[0]!.file, file);
  assert.deepEqual({ line: problems[0]!.line, column: problems[0]!.column }, positionOf(fs.readFileSync(file, 'utf8'), '200'));
  assert.match(problems[0]!.message, /^test 'wrong status' failed: expected status 200/);
});

test('report lists failures under their test', async () => {
  const file = writeTests(`  - name: wrong status\n    request: { path: /admin }\n    expect: { status: 200 }\n  - name: right status\n    request: { path: /admin }\n    expect: { status: 403 }\n`);
  const text = formatTestReport(await runRuleTests(loadRuleSet(file)));

  const lines = text.split('\n');
  const { line, column } = positionOf(fs.readFileSync(file, 'utf8'), '200');
  assert.equal(lines[0], `FAIL  wrong status  (${file}:31)`);
  assert.equal(lines[1], `      ${file}:${line}:${column}: expected status 200, but the client received 403, from the block of rule 'block-admin'`);
  assert.match(lines[2]!, /^pass {2}right status/);
  assert.equal(lines.at(-2), '2 tests: 1 passed, 1 failed');
});

interface InvalidCase {
  name: string;
  test: string;
  code: ProblemCode;
  at: string;
  message: RegExp;
}

const INVALID: InvalidCase[] = [
  {
    name: 'unknown rule id',
    test: `  - name: names a rule that is not there\n    request: { path: / }\n    expect: { matched: [no-such-rule] }\n`,
    code: 'invalid_test',
    at: 'no-such-rule',
    message: /^test 'names a rule that is not there' expects matched rule 'no-such-rule', but no loaded file defines it; known rule ids: block-admin, log-errors/,
  },
  {
    name: 'duplicate name',
    test: `  - name: twice\n    request: { path: / }\n    expect: { logged: false }\n  - name: twice\n    request: { path: /a }\n    expect: { logged: false }\n`,
    code: 'invalid_test',
    at: 'twice\n    request: { path: /a }',
    message: /^duplicate test name 'twice': test 1 of this file has it already/,
  },
  {
    name: 'upper-case header',
    test: `  - name: upper case\n    request: { path: /, headers: { X-Token: abc } }\n    expect: { logged: false }\n`,
    code: 'invalid_test',
    at: 'X-Token',
    message: /^invalid header name 'X-Token': write it in lower case \('x-token'\).* in test 'upper case'$/,
  },
  {
    name: 'unknown expectation',
    test: `  - name: misspelt\n    request: { path: / }\n    expect: { blockd: true }\n`,
    code: 'schema',
    at: 'blockd',
    message: /^unknown field 'blockd' in tests\[0\]\.expect; expected one of: blocked, status, logged/,
  },
  {
    name: 'empty expectation',
    test: `  - name: expects nothing\n    request: { path: / }\n    expect: {}\n`,
    code: 'schema',
    at: '{}',
    message: /tests\[0\]\.expect/,
  },
  {
    name: 'path without slash',
    test: `  - name: relative\n    request: { path: admin }\n    expect: { blocked: true }\n`,
    code: 'schema',
    at: 'admin }',
    message: /^invalid tests\[0\]\.request\.path "admin": expected a path starting with '\/'$/,
  },
];

for (const invalid of INVALID) {
  test(`invalid test: ${invalid.name}`, () => {
    const file = writeTests(invalid.test);
    const error = (() => {
      try {
        loadRuleSet(file);
      } catch (caught) {
        return caught;
      }
      return assert.fail('expected the rule file to be rejected');
    })();

    assert.ok(error instanceof RuleLoadError);
    assert.equal(error.problems.length, 1, error.message);
    const [problem] = error.problems;
    assert.equal(problem!.code, invalid.code);
    assert.match(problem!.message, invalid.message);
    assert.deepEqual({ line: problem!.line, column: problem!.column }, positionOf(fs.readFileSync(file, 'utf8'), invalid.at));
  });
}

test('rule set without tests runs none', async () => {
  const file = path.join(temporaryDirectory(), 'rules.yaml');
  fs.writeFileSync(file, RULES.replace(/tests:\n$/, ''));
  const report = await runRuleTests(loadRuleSet(file));

  assert.deepEqual(report, { results: [], passed: 0, failed: 0 });
});
