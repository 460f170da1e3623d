// Envoy's header mutation rules and header character checks, case by case.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isValidAuthority,
  isValidHeaderName,
  isValidHeaderValue,
  isValidScheme,
  MutationChecker,
  type CheckOperation,
  type CheckResult,
} from '../../src/client/mutation-rules.js';
import type { MutationRulesConfig } from '../../src/client/types.js';

describe('header name and value checks', () => {
  test('names are RFC 9110 tokens', () => {
    for (const name of ['x-a', 'X-Mixed', "a!#$%&'*+-.^_`|~9"]) {
      assert.equal(isValidHeaderName(name), true, name);
    }
    for (const name of ['', 'a b', 'a:b', 'a\r', 'é', 'a/b']) {
      assert.equal(isValidHeaderName(name), false, JSON.stringify(name));
    }
  });

  test('pseudo-header names need a lower-case token', () => {
    assert.equal(isValidHeaderName(':path'), true);
    assert.equal(isValidHeaderName(':'), false);
    assert.equal(isValidHeaderName(':Path'), false);
  });

  test('values allow HTAB, SP, visible ASCII and obs-text', () => {
    assert.equal(isValidHeaderValue('a\tb c~'), true);
    assert.equal(isValidHeaderValue(' leading and trailing '), true);
    assert.equal(isValidHeaderValue('\u00e9\u00ff'), true);
    for (const value of ['a\r\nb', 'a\u0000', 'a\u007f', 'a\u0001']) {
      assert.equal(isValidHeaderValue(value), false, JSON.stringify(value));
    }
  });

  test('authority and scheme checks', () => {
    assert.equal(isValidAuthority('user@host.example:8443'), true);
    assert.equal(isValidAuthority('[::1]:80'), true);
    assert.equal(isValidAuthority('a/b'), false);
    assert.equal(isValidAuthority('a b'), false);
    assert.equal(isValidScheme('HTTPS'), true);
    assert.equal(isValidScheme('ftp'), false);
  });
});

describe('MutationChecker', () => {
  const cases: Array<{ rules: MutationRulesConfig; operation: CheckOperation; name: string; value?: string; expected: CheckResult }> = [
    { rules: {}, operation: 'set', name: 'x-a', expected: 'ok' },
    { rules: {}, operation: 'remove', name: 'x-a', expected: 'ok' },
    { rules: {}, operation: 'remove', name: 'host', expected: 'ignore' },
    { rules: { allow_all_routing: true }, operation: 'remove', name: ':path', expected: 'ignore' },
    { rules: {}, operation: 'set', name: ':authority', value: 'b.example', expected: 'ignore' },
    { rules: {}, operation: 'set', name: 'host', value: 'b.example', expected: 'ignore' },
    { rules: {}, operation: 'set', name: ':method', value: 'POST', expected: 'ignore' },
    { rules: {}, operation: 'set', name: ':scheme', value: 'https', expected: 'ignore' },
    { rules: { allow_all_routing: true }, operation: 'set', name: ':authority', value: 'b.example', expected: 'ok' },
    { rules: { allow_all_routing: true }, operation: 'set', name: ':authority', value: 'b/c', expected: 'ignore' },
    { rules: { allow_all_routing: true }, operation: 'set', name: ':scheme', value: 'ftp', expected: 'ignore' },
    { rules: {}, operation: 'set', name: ':path', value: '/x', expected: 'ok' },
    { rules: {}, operation: 'append', name: ':path', value: '/x', expected: 'ignore' },
    { rules: { disallow_system: true }, operation: 'set', name: ':path', value: '/x', expected: 'ignore' },
    { rules: {}, operation: 'set', name: ':status', value: '404', expected: 'ok' },
    { rules: {}, operation: 'set', name: ':status', value: '100', expected: 'ignore' },
    { rules: {}, operation: 'set', name: ':status', value: 'abc', expected: 'ignore' },
    { rules: {}, operation: 'set', name: 'x-envoy-retry-on', value: '5xx', expected: 'ignore' },
    { rules: { allow_envoy: true }, operation: 'set', name: 'x-envoy-retry-on', value: '5xx', expected: 'ok' },
    { rules: { disallow_all: true }, operation: 'set', name: 'x-a', expected: 'ignore' },
    { rules: { disallow_is_error: true }, operation: 'set', name: 'x-envoy-a', expected: 'fail' },
    { rules: { disallow_is_error: true }, operation: 'set', name: 'x-a', expected: 'ok' },
  ];

  for (const entry of cases) {
    const label = `${entry.operation} ${entry.name}=${entry.value ?? 'v'} with ${JSON.stringify(entry.rules)}`;
    test(label, () => {
      const checker = new MutationChecker(entry.rules);
      assert.equal(checker.check(entry.operation, entry.name, entry.value ?? 'v'), entry.expected);
    });
  }
});
