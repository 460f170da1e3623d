// ctxproc's CEL functions: results through compiled conditions, and the
// load-time errors for invalid literal arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Activation } from '../../../src/rules/activation.js';
import { compileExpression } from '../../../src/rules/cel.js';
import { cidrContains, parseCidr } from '../../../src/rules/functions/cidr.js';
import { base64Decode, normalizePath, urlDecode } from '../../../src/rules/functions/decode.js';
import { followJsonPath, parseJsonPath } from '../../../src/rules/functions/json-path.js';
import { makeExchange } from '../builders.js';

const EXCHANGE = makeExchange({ method: 'GET', path: '/a//b/../c?x=%27or%201%3D1', headers: [['authorization', 'Basic YWxpY2U6c2VjcmV0']] });

function evaluate(source: string): unknown {
  const result = compileExpression(source, 'any', 'test');
  if (result.expression === null) {
    throw new Error(result.problems.map((problem) => problem.message).join('; '));
  }
  return result.expression.evaluate(new Activation(EXCHANGE, newTransactionRecord()));
}

function loadProblems(source: string): Array<{ code: string; message: string; offset: number }> {
  return compileExpression(source, 'any', 'when').problems;
}

function range(text: string) {
  const parsed = parseCidr(text);
  assert.equal(typeof parsed, 'object', `${text}: ${String(parsed)}`);
  return parsed as Exclude<typeof parsed, string>;
}

const CIDR_CASES: Array<[string, string, boolean]> = [
  ['10.0.0.0/8', '10.255.1.2', true],
  ['10.0.0.0/8', '11.0.0.1', false],
  ['192.168.1.128/25', '192.168.1.200', true],
  ['192.168.1.128/25', '192.168.1.100', false],
  ['0.0.0.0/0', '203.0.113.9', true],
  ['198.51.100.7/32', '198.51.100.7', true],
  ['2001:db8::/32', '2001:db8:ffff::1', true],
  ['2001:db8::/32', '2001:db9::1', false],
  ['::1/128', '::1', true],
  ['fe80::/10', 'fe80::1%eth0', true],
  ['198.51.0.0/16', '::ffff:198.51.100.7', true],
  ['198.51.0.0/16', '::ffff:10.0.0.1', false],
  ['10.0.0.0/8', '2001:db8::1', false],
  ['2001:db8::/32', '10.0.0.1', false],
  ['::ffff:0:0/96', '::ffff:1.2.3.4', true],
  ['10.0.0.0/8', 'not an address', false],
  ['10.0.0.0/8', '', false],
];

test('cidr membership table', () => {
  for (const [cidr, address, expected] of CIDR_CASES) {
    assert.equal(cidrContains(range(cidr), address), expected, `${address} in ${cidr}`);
  }
});

test('cidr host bits are masked', () => {
  assert.equal(cidrContains(range('10.1.2.3/8'), '10.9.9.9'), true);
});

test('invalid cidr texts rejected', () => {
  for (const text of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', '2001:db8::/129', 'abc/8', '10.0.0.0/-1', '10.0.0.0/']) {
    assert.equal(typeof parseCidr(text), 'string', text);
  }
});

test('inCidr in a condition', () => {
  assert.equal(evaluate("source.address.inCidr('198.51.100.0/24')"), true);
  assert.equal(evaluate("source.address.inCidr('10.0.0.0/8')"), false);
});

test('inCidr literal checked at load', () => {
  const problems = loadProblems("source.address.inCidr('10.0.0.0/40')");
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.code, 'invalid_argument');
  assert.match(problems[0]?.message ?? '', /inCidr\(\): '10\.0\.0\.0\/40' has an invalid prefix length; IPv4 allows 0 to 32 \(in when\)/);
});

test('inCidr computed range checked at run time', () => {
  const result = compileExpression("source.address.inCidr(request.method)", 'any', 'when');
  assert.ok(result.expression !== null);
  assert.throws(() => result.expression.evaluate(new Activation(EXCHANGE, newTransactionRecord())), (error: { code?: string }) => error.code === 'invalid_cidr');
});

test('urlDecode table', () => {
  const cases: Array<[string, string]> = [
    ['%27or%201%3D1', "'or 1=1"],
    ['a+b', 'a b'],
    ['%2e%2E%2f', '../'],
    ['100%', '100%'],
    ['%zz%4', '%zz%4'],
    ['%E2%82%AC', '\u20ac'],
    ['%FF', '\ufffd'],
    ['', ''],
  ];
  for (const [input, expected] of cases) {
    assert.equal(urlDecode(input), expected, input);
  }
});

test('urlDecode in a condition', () => {
  assert.equal(evaluate("request.query.urlDecode().contains(\"'or 1=1\")"), true);
});

test('base64Decode table', () => {
  assert.equal(base64Decode('aGVsbG8='), 'hello');
  assert.equal(base64Decode('aGVsbG8'), 'hello');
  assert.equal(base64Decode('_-8'), Buffer.from([0xff, 0xef]).toString('utf8'));
  assert.equal(base64Decode('a'), null);
  assert.equal(base64Decode('!!!!'), null);
  assert.equal(base64Decode(''), '');
});

test('base64Decode in a condition', () => {
  assert.equal(evaluate("request.headers['authorization'].substring(6).base64Decode().startsWith('alice:')"), true);
});

test('base64Decode invalid is an error', () => {
  assert.throws(() => evaluate("'%%%'.base64Decode()"), (error: { code?: string }) => error.code === 'invalid_base64');
});

test('normalizePath table', () => {
  const cases: Array<[string, string]> = [
    ['/a//b/../c', '/a/c'],
    ['/a/./b/', '/a/b/'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a/b/..', '/a/'],
    ['/', '/'],
    ['', '/'],
    ['/a/b?x=../y', '/a/b?x=../y'],
    ['//x//', '/x/'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(normalizePath(input), expected, input);
  }
});

test('normalizePath in a condition', () => {
  assert.equal(evaluate("request.url_path.normalizePath() == '/a/c'"), true);
});

test('lower and upper', () => {
  assert.equal(evaluate("'ÄbC'.lower()"), 'äbc');
  assert.equal(evaluate("'äbc'.upper()"), 'ÄBC');
});

test('json path parse table', () => {
  assert.deepEqual(parseJsonPath('$'), []);
  assert.deepEqual(parseJsonPath('$.a.b'), ['a', 'b']);
  assert.deepEqual(parseJsonPath("$['a b'][2].c"), ['a b', 2, 'c']);
  assert.deepEqual(parseJsonPath("$['it\\'s']"), ["it's"]);
  for (const invalid of ['a.b', '$..a', '$.*', '$[?(@.a)]', '$.a[-1]', '$.']) {
    assert.equal(typeof parseJsonPath(invalid), 'string', invalid);
  }
});

test('json path follow', () => {
  const value = { a: { b: [10, { c: 'x' }] }, 'a b': 1 };
  assert.equal(followJsonPath(value, ['a', 'b', 1, 'c']), 'x');
  assert.equal(followJsonPath(value, ['a b']), 1);
  assert.equal(followJsonPath(value, ['a', 'b', 5]), undefined);
  assert.equal(followJsonPath(value, ['a', 'missing']), undefined);
  assert.equal(followJsonPath(value, ['toString']), undefined);
});

test('jsonPath literal checked at load', () => {
  const problems = loadProblems("jsonPath(request.json, '$..password') == 'x'");
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.code, 'invalid_argument');
  assert.match(problems[0]?.message ?? '', /jsonPath\(\): JSON path '\$\.\.password' has an unsupported step/);
  assert.equal(problems[0]?.offset, 0);
});

test('jsonPath missing value is no_such_key', () => {
  assert.throws(() => evaluate("jsonPath({'a': 1}, '$.b')"), (error: { code?: string }) => error.code === 'no_such_key');
});
