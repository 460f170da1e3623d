import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventOutcome, eventStatus, type TransactionEnd } from '../../src/events/level-policy.js';

function end(overrides: Partial<TransactionEnd>): TransactionEnd {
  return { streamEnd: 'completed', blocked: false, statusCode: 200, ruleErrors: 0, ...overrides };
}

describe('eventStatus', () => {
  const cases: Array<[string, Partial<TransactionEnd>, string]> = [
    ['200', {}, 'info'],
    ['302', { statusCode: 302 }, 'info'],
    ['404', { statusCode: 404 }, 'warn'],
    ['503', { statusCode: 503 }, 'error'],
    ['a block answered 403', { blocked: true, statusCode: 403 }, 'warn'],
    ['a block answered 503', { blocked: true, statusCode: 503 }, 'warn'],
    ['a failed stream', { streamEnd: 'error', statusCode: undefined }, 'error'],
    ['a rule error on a 200', { ruleErrors: 1 }, 'warn'],
    ['no response', { statusCode: undefined }, 'info'],
  ];
  for (const [name, overrides, expected] of cases) {
    it(`labels ${name} ${expected}`, () => {
      assert.equal(eventStatus(end(overrides)), expected);
    });
  }
});

describe('eventOutcome', () => {
  const cases: Array<[string, Partial<TransactionEnd>, string | undefined]> = [
    ['200', {}, 'success'],
    ['399', { statusCode: 399 }, 'success'],
    ['400', { statusCode: 400 }, 'failure'],
    ['a block', { blocked: true, statusCode: 403 }, 'failure'],
    ['a failed stream', { streamEnd: 'error' }, 'failure'],
    ['no response', { statusCode: undefined }, undefined],
  ];
  for (const [name, overrides, expected] of cases) {
    it(`returns ${String(expected)} for ${name}`, () => {
      assert.equal(eventOutcome(end(overrides)), expected);
    });
  }
});
