// The shipped rules/default.yaml on typical transactions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../../src/model/exchange.js';
import { Phase } from '../../src/model/phase.js';
import { newTransactionRecord, type TransactionRecord } from '../../src/model/record.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { DEFAULT_RULES, makeExchange } from './builders.js';

const engine = new RuleEngine(loadRuleSet(DEFAULT_RULES));

/** Runs the request phase with request facts, then the response phase and finish with the full exchange. */
function run(exchange: Exchange): TransactionRecord {
  const record = newTransactionRecord();
  const transaction = engine.start();
  transaction.runPhase(Phase.RequestHeaders, { ...exchange, response: null }, record);
  if (exchange.response !== null) {
    transaction.runPhase(Phase.ResponseHeaders, exchange, record);
  }
  transaction.finish(exchange, record);
  return record;
}

const WITH_ID: Array<[string, string]> = [['x-request-id', 'f3b1c2d4'], ['authorization', 'Bearer abc']];

test('default rules on a 200', () => {
  const record = run(makeExchange({ headers: WITH_ID }, { code: 200 }));

  assert.deepEqual(record.matched, ['redact-credentials']);
  assert.equal(record.log, null);
  assert.deepEqual(record.pendingHeaders.upstream, []);
  assert.ok(record.redaction.headers.has('authorization'));
  assert.deepEqual(record.ruleErrors, []);
});

test('default rules on a 201', () => {
  const record = run(makeExchange({ method: 'POST', headers: WITH_ID }, { code: 201 }));

  assert.equal(record.log, null);
});

test('default rules on a 404', () => {
  const record = run(makeExchange({ path: '/api/orders/9', headers: WITH_ID }, { code: 404 }));

  assert.deepEqual(record.matched, ['redact-credentials', 'log-unsuccessful']);
  assert.deepEqual(record.log?.rules, ['log-unsuccessful']);
  assert.equal(record.log?.message, 'request did not succeed');
  assert.deepEqual(record.log?.includeHeaders, ['user-agent', 'content-type', 'x-forwarded-for']);
  assert.equal(record.redaction.sources.get('header:authorization'), 'redact-credentials');
  assert.equal(record.redaction.sources.get('query_param:access_token'), 'redact-credentials');
  assert.deepEqual([...record.redaction.detectors].sort(), ['basic_credentials', 'bearer_token', 'card_number', 'jwt']);
  assert.deepEqual(record.ruleErrors, []);
});

test('default rules without a response', () => {
  const record = run(makeExchange({ headers: WITH_ID }));

  assert.deepEqual(record.matched, ['redact-credentials', 'log-unsuccessful']);
  assert.deepEqual(record.ruleErrors, []);
});

test('default rules add missing x-request-id', () => {
  const record = run(makeExchange({ headers: [['user-agent', 'curl/8']] }, { code: 200 }));

  assert.deepEqual(record.matched, ['redact-credentials', 'add-request-id']);
  assert.equal(record.pendingHeaders.upstream.length, 1);
  const [change] = record.pendingHeaders.upstream;
  assert.equal(change?.op, 'set');
  assert.equal(change?.name, 'x-request-id');
  assert.equal(change?.rule, 'add-request-id');
  assert.match(change?.value ?? '', /^[0-9a-f-]{36}$/);
  assert.deepEqual(record.skippedActions, []);
});
