// Each action, run through the engine against hand-built exchanges: what it
// writes into the TransactionRecord.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../../src/model/exchange.js';
import { Phase } from '../../src/model/phase.js';
import { newTransactionRecord, type TransactionRecord } from '../../src/model/record.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { makeExchange, writeRuleFile } from './builders.js';

/** Loads rules, runs every phase up to `through` and then finish; returns the record. */
function run(rules: string, exchange: Exchange, through: Phase = Phase.ResponseTrailers): TransactionRecord {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(rules)));
  const record = newTransactionRecord();
  const transaction = engine.start();
  for (let phase = Phase.RequestHeaders; phase <= through; phase++) {
    transaction.runPhase(phase, exchange, record);
  }
  transaction.finish(exchange, record);
  return record;
}

function rule(id: string, actions: string[], when?: string): string {
  const condition = when === undefined ? '' : `    when: ${JSON.stringify(when)}\n`;
  return `  - id: ${id}\n    description: Test rule ${id}.\n${condition}    actions:\n${actions.map((action) => `      - ${action}\n`).join('')}`;
}

const GET_ORDER = makeExchange(
  { method: 'GET', path: '/api/orders/9?page=2', headers: [['user-agent', 'curl/8'], ['x-tenant-id', 'acme'], ['accept', 'a/b'], ['accept', 'c/d']] },
  { code: 404, headers: [['content-type', 'application/json']] },
);

test('log evaluates fields at match time', () => {
  const record = run(rule('log-it', [`log: { message: not found, fields: { route: request.url_path, status: response.code, tenant: "request.headers['x-tenant-id']", accept: "request.headers['accept']", when: request.time, pair: "[1, 2]", info: "{'a': true}" } }`], 'response.code == 404'), GET_ORDER);

  assert.deepEqual(record.matched, ['log-it']);
  assert.deepEqual(record.log?.rules, ['log-it']);
  assert.equal(record.log?.message, 'not found');
  assert.deepEqual(record.log?.fields, {
    route: '/api/orders/9',
    status: 404,
    tenant: 'acme',
    accept: 'a/b, c/d',
    when: '2026-01-02T03:04:05.000Z',
    pair: [1, 2],
    info: { a: true },
  });
  assert.deepEqual(record.ruleErrors, []);
});

test('log merges several rules', () => {
  const rules =
    rule('first', ['log: { message: first message, fields: { a: "\'one\'", b: "\'one\'" }, include: { headers: [user-agent], request_body: 100 } }']) +
    rule('second', ['log: { message: second message, fields: { b: "\'two\'" }, include: { headers: [accept, user-agent], request_body: 10, response_body: 50 } }']);
  const record = run(rules, GET_ORDER);

  assert.deepEqual(record.log?.rules, ['first', 'second']);
  assert.equal(record.log?.message, 'first message');
  assert.deepEqual(record.log?.fields, { a: 'one', b: 'two' });
  assert.deepEqual(record.log?.includeHeaders, ['user-agent', 'accept']);
  assert.equal(record.log?.includeRequestBody, 100);
  assert.equal(record.log?.includeResponseBody, 50);
});

test('log include all headers wins', () => {
  const rules = rule('some', ['log: { include: { headers: [accept] } }']) + rule('all', ['log: { include: { headers: all } }']);
  const record = run(rules, GET_ORDER);

  assert.equal(record.log?.includeHeaders, 'all');
  assert.equal(record.log?.message, null);
});

test('log field error drops only that field', () => {
  const record = run(rule('partial', [`log: { fields: { ok: request.method, missing: "request.headers['authorization']" } }`]), GET_ORDER);

  assert.deepEqual(record.log?.fields, { ok: 'GET' });
  assert.equal(record.ruleErrors.length, 1);
  assert.equal(record.ruleErrors[0]?.rule, 'partial');
  assert.match(record.ruleErrors[0]?.message ?? '', /^log\.fields\.missing: no such key in request\.headers\['authorization'\]$/);
});

test('log field of large integer keeps digits', () => {
  const record = run(rule('big', ['log: { fields: { big: "9007199254740993", small: "-5", ratio: "0.5" } }']), GET_ORDER);

  assert.deepEqual(record.log?.fields, { big: '9007199254740993', small: -5, ratio: 0.5 });
});

test('tag sets static values', () => {
  const rules = rule('first', ['tag: { threat: sqli, team: payments }']) + rule('second', ['tag: { threat: xss }']);
  const record = run(rules, GET_ORDER);

  assert.deepEqual(record.tags, { threat: 'xss', team: 'payments' });
  assert.equal(record.log, null);
});

test('set_header pushes evaluated values', () => {
  const rules = rule('headers', [
    `set_header: { to: upstream, name: x-threat, value: "'sqli'" }`,
    `set_header: { to: upstream, name: x-tenant, value: "request.headers['x-tenant-id']", append: true }`,
    `set_header: { to: downstream, name: x-transaction, value: ctxproc.transaction_id }`,
  ]);
  const record = run(rules, GET_ORDER);

  assert.deepEqual(record.pendingHeaders.upstream, [
    { op: 'set', name: 'x-threat', value: 'sqli', rule: 'headers' },
    { op: 'append', name: 'x-tenant', value: 'acme', rule: 'headers' },
  ]);
  assert.deepEqual(record.pendingHeaders.downstream, [{ op: 'set', name: 'x-transaction', value: 'txn-1', rule: 'headers' }]);
});

test('set_header uuid gives fresh ids', () => {
  const rules = rule('ids', [`set_header: { to: upstream, name: x-request-id, value: "uuid()" }`]);
  const first = run(rules, GET_ORDER).pendingHeaders.upstream[0]?.value ?? '';
  const second = run(rules, GET_ORDER).pendingHeaders.upstream[0]?.value ?? '';

  assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(first, second);
});

test('set_header rejects unsafe values at run time', () => {
  const exchange = makeExchange({ headers: [['x-echo', 'a\r\nInjected: yes']] });
  const rules = rule('echo', [`set_header: { to: upstream, name: x-copy, value: "request.headers['x-echo']" }`]);
  const record = run(rules, exchange, Phase.RequestHeaders);

  assert.deepEqual(record.pendingHeaders.upstream, []);
  assert.match(record.ruleErrors[0]?.message ?? '', /set_header x-copy: value contains CR, LF or NUL/);
  assert.doesNotMatch(record.ruleErrors[0]?.message ?? '', /Injected/);
});

test('set_header dyn value must be a string', () => {
  const rules = rule('dyn', [`set_header: { to: upstream, name: x-a, value: "dyn(request.size)" }`]);
  const exchange = makeExchange({ headers: [['content-length', '12']] });
  const record = run(rules, exchange, Phase.RequestHeaders);

  assert.deepEqual(record.pendingHeaders.upstream, []);
  assert.match(record.ruleErrors[0]?.message ?? '', /value must be a string, got bigint/);
});

test('remove_header pushes removals', () => {
  const rules = rule('strip', ['remove_header: { to: upstream, name: x-internal }', 'remove_header: { to: downstream, name: server }']);
  const record = run(rules, GET_ORDER);

  assert.deepEqual(record.pendingHeaders.upstream, [{ op: 'remove', name: 'x-internal', rule: 'strip' }]);
  assert.deepEqual(record.pendingHeaders.downstream, [{ op: 'remove', name: 'server', rule: 'strip' }]);
});

test('redact unions targets and sources', () => {
  const rules =
    rule('first', ['redact: { headers: [authorization, x-api-key], query_params: [Token], cookies: [sid], detectors: [jwt] }']) +
    rule('second', ['redact: { headers: [authorization, cookie], query_params: [token], detectors: [jwt, card_number] }']);
  const record = run(rules, GET_ORDER);
  const redaction = record.redaction;

  assert.deepEqual([...redaction.headers], ['authorization', 'x-api-key', 'cookie']);
  assert.deepEqual([...redaction.queryParams], ['Token', 'token']);
  assert.deepEqual([...redaction.cookies], ['sid']);
  assert.deepEqual([...redaction.detectors], ['jwt', 'card_number']);
  assert.deepEqual(Object.fromEntries(redaction.sources), {
    'header:authorization': 'first',
    'header:x-api-key': 'first',
    'query_param:token': 'first',
    'cookie:sid': 'first',
    'detector:jwt': 'first',
    'header:cookie': 'second',
    'detector:card_number': 'second',
  });
});

test('redact of unmatched rule adds nothing', () => {
  const record = run(rule('never', ['redact: { headers: [authorization] }'], "request.method == 'DELETE'"), GET_ORDER);

  assert.equal(record.redaction.headers.size, 0);
  assert.equal(record.redaction.sources.size, 0);
});

test('block records the reply', () => {
  const rules = rule('deny', [`block: { status: 429, headers: { content-type: application/json, retry-after: '30' }, body: '{"error":"slow down"}' }`], "request.url_path.startsWith('/api')");
  const record = run(rules, GET_ORDER, Phase.RequestHeaders);

  assert.deepEqual(record.block, {
    status: 429,
    headers: [['content-type', 'application/json'], ['retry-after', '30']],
    body: '{"error":"slow down"}',
    rule: 'deny',
  });
});

test('block defaults to empty 403', () => {
  const record = run(rule('deny', ['block: {}']), GET_ORDER, Phase.RequestHeaders);

  assert.deepEqual(record.block, { status: 403, headers: [], body: '', rule: 'deny' });
});

test('block reply is not shared between transactions', () => {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(rule('deny', ['block: { headers: { x-a: b } }']))));
  const first = newTransactionRecord();
  const second = newTransactionRecord();
  engine.start().runPhase(Phase.RequestHeaders, GET_ORDER, first);
  engine.start().runPhase(Phase.RequestHeaders, GET_ORDER, second);
  first.block?.headers.push(['x-b', 'c']);

  assert.deepEqual(second.block?.headers, [['x-a', 'b']]);
});

test('log records the headers each field reads', () => {
  const fields = `part: "request.headers['authorization'].substring(7)", path: request.path, has_key: "'x-api-key' in request.headers"`;
  const exchange = makeExchange({ method: 'GET', path: '/a', headers: [['authorization', 'Bearer abcdefghijkl']] });
  const record = run(rule('copy-token', [`log: { fields: { ${fields} } }`]), exchange);

  assert.deepEqual(record.log?.fieldHeaders.part, ['authorization']);
  assert.deepEqual(record.log?.fieldHeaders.path, []);
  assert.deepEqual(record.log?.fieldHeaders.has_key, []);
});
