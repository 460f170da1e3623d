// Which literal tests of a condition the rule index may check in its place,
// and the literal prefixes of anchored patterns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression } from '../../../src/rules/cel.js';
import { subjectKey, type Guard } from '../../../src/rules/rule-index/guards.js';
import { anchoredLiteralPrefix } from '../../../src/rules/rule-index/regex-prefix.js';

function guardsOf(source: string): readonly Guard[] {
  const result = compileExpression(source, 'bool', 'when');
  assert.ok(result.expression, `${source} compiles`);
  return result.expression.guards;
}

/** Guards in a short readable form: `subject == a|b starts p` or `subject present`. */
function describe(guards: readonly Guard[]): string[] {
  return guards.map((guard) => {
    const subject = subjectKey(guard.subject);
    if (guard.kind === 'presence') {
      return `${subject} present`;
    }
    const parts = [...guard.equals.map((value) => `== ${value}`), ...guard.prefixes.map((prefix) => `starts ${prefix}`)];
    return `${subject} ${parts.join(' ')}`;
  });
}

const CASES: Array<{ when: string; guards: string[] }> = [
  { when: "request.method == 'GET'", guards: ['request.method == GET'] },
  { when: "'GET' == request.method", guards: ['request.method == GET'] },
  { when: "request.method in ['GET', 'HEAD']", guards: ['request.method == GET == HEAD'] },
  { when: "request.url_path.startsWith('/api/')", guards: ['request.url_path starts /api/'] },
  { when: "request.useragent.matches('^sqlmap/[0-9]')", guards: ['request.useragent starts sqlmap/'] },
  { when: "request.host == 'a.example' || request.host.startsWith('b.')", guards: ['request.host == a.example starts b.'] },
  {
    when: "'x-tenant-id' in request.headers && request.headers['x-tenant-id'] == 't1'",
    guards: ['request.headers["x-tenant-id"] present', 'request.headers["x-tenant-id"] == t1'],
  },
  { when: "request.method == 'DELETE' && (request.url_path.startsWith('/admin/') && source.address == '10.0.0.1')", guards: ['request.method == DELETE', 'request.url_path starts /admin/', 'source.address == 10.0.0.1'] },
  { when: "response.headers['content-type'].startsWith('text/')", guards: ['response.headers["content-type"] starts text/'] },
];

/** Conditions that a failed literal test does not make false, or whose values change while rules run. */
const UNGUARDED = [
  "request.method != 'GET'",
  "!(request.method == 'GET')",
  "request.method == 'GET' || request.url_path == '/'",
  "request.url_path.endsWith('.php')",
  "request.useragent.matches('sqlmap')",
  "request.useragent.matches('^a|b')",
  "request.url_path.startsWith('')",
  'response.code == 404',
  "ctxproc.tags['zone'] == 'a'",
  "'zone' in ctxproc.tags",
  "ctxproc.transaction_id == 'x'",
  "[request.method].exists(m, m == 'GET')",
];

test('guards found in conditions', () => {
  for (const { when, guards } of CASES) {
    assert.deepEqual(describe(guardsOf(when)), guards, when);
  }
});

test('conditions without guards', () => {
  for (const when of UNGUARDED) {
    assert.deepEqual(describe(guardsOf(when)), [], when);
  }
});

test('interpreted conditions have no guards', () => {
  const result = compileExpression("request.method == 'GET' && size(b'ab') == 2", 'bool', 'when');
  assert.equal(result.expression?.compiled, false);
  assert.deepEqual(result.expression?.guards, []);
});

test('anchored pattern prefixes', () => {
  const cases: Array<[string, string | null]> = [
    ['^scanner-1/[0-9]+', 'scanner-1/'],
    ['^abc', 'abc'],
    ['^abc*', 'ab'],
    ['^abc?d', 'ab'],
    ['^ab{2}', 'a'],
    ['^a\\.b\\d', 'a.b'],
    ['^a\\.*', 'a'],
    ['^(ab)', ''],
    ['^ab$', 'ab'],
    ['abc', null],
    ['^ab|cd', null],
    ['^a\\', 'a'],
  ];
  for (const [pattern, prefix] of cases) {
    assert.equal(anchoredLiteralPrefix(pattern), prefix, pattern);
  }
});

test('anchored prefixes hold for every match', () => {
  const samples = ['scanner-1/22', 'abcd', 'ab', 'a.bx', 'a', 'abd', 'abb', 'xab'];
  for (const pattern of ['^scanner-1/[0-9]+', '^abc*', '^abc?d', '^ab{2}', '^a\\.b', '^a\\.*', '^ab$']) {
    const prefix = anchoredLiteralPrefix(pattern)!;
    for (const sample of samples) {
      if (new RegExp(pattern).test(sample)) {
        assert.ok(sample.startsWith(prefix), `${sample} matches ${pattern} but does not start with ${prefix}`);
      }
    }
  }
});
