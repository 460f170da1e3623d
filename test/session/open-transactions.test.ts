import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenTransactions } from '../../src/session/open-transactions.js';
import { Transaction } from '../../src/session/transaction.js';

const NO_RULES = { runPhase: () => {}, finish: () => {} };

function newTransaction(): Transaction {
  return new Transaction(NO_RULES, { bodyLimitBytes: 1024, rulesVersion: 'sha256:test' });
}

test('open transactions count adds and removals, and a second removal does nothing', () => {
  const open = new OpenTransactions();
  const removeFirst = open.add(newTransaction());
  const removeSecond = open.add(newTransaction());
  assert.equal(open.size, 2);

  removeFirst();
  removeFirst();
  assert.equal(open.size, 1);

  removeSecond();
  assert.equal(open.size, 0);
  assert.deepEqual(open.takeAll(), []);
});

test('takeAll returns each open transaction once', () => {
  const open = new OpenTransactions();
  const first = newTransaction();
  const second = newTransaction();
  const third = newTransaction();
  const removeFirst = open.add(first);
  open.add(second);
  removeFirst();
  open.add(third);

  const returned = open.takeAll();

  assert.equal(returned.length, 2);
  assert.ok(returned.includes(second));
  assert.ok(returned.includes(third));
  assert.ok(!returned.includes(first));
  assert.equal(open.size, 0);
});

test('removing a transaction that takeAll already took leaves the count alone', () => {
  const open = new OpenTransactions();
  const removeTaken = open.add(newTransaction());
  open.takeAll();
  const removeLater = open.add(newTransaction());

  removeTaken();

  assert.equal(open.size, 1);
  removeLater();
  assert.equal(open.size, 0);
});
