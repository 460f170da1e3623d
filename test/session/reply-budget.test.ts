import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyBudget } from '../../src/session/reply-budget.js';

describe('ReplyBudget', () => {
  it('refuses no connection while the sum is within the limit', () => {
    const budget = new ReplyBudget(100);
    const reader = {};
    budget.add(reader, 100);
    assert.equal(budget.exhaustedFor(reader), false);
  });

  it('refuses the connection that holds the spent budget and serves the others', () => {
    const budget = new ReplyBudget(100);
    const hog = {};
    const reader = {};
    budget.add(hog, 150);
    budget.add(reader, 10);
    assert.equal(budget.exhaustedFor(hog), true);
    assert.equal(budget.exhaustedFor(reader), false);
    assert.equal(budget.exhaustedFor({}), false);
  });

  it('past twice the limit, refuses connections over one stream\'s bound even under their share, and serves readers', () => {
    const budget = new ReplyBudget(100_000);
    const hog = {};
    const under = {};
    const reader = {};
    budget.add(hog, 300_000);
    budget.add(under, 70_000);
    budget.add(reader, 1_000);
    assert.equal(budget.exhaustedFor(hog), true);
    assert.equal(budget.exhaustedFor(under), true, 'under its share of 123,667 bytes, but over 64 KiB past twice the limit');
    assert.equal(budget.exhaustedFor(reader), false);
  });

  it('forgets a connection once its bytes have left', () => {
    const budget = new ReplyBudget(100);
    const hog = 'ipv4:127.0.0.1:40000';
    budget.add(hog, 150);
    budget.release(hog, 150);
    assert.equal(budget.unsentBytesOf(hog), 0);
    assert.equal(budget.unsentBytes, 0);
    assert.equal(budget.exhaustedFor(hog), false);
  });
});
