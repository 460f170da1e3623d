// The engine's sequencing: which rules run in which phase call, in what
// order, what a block stops, what finish() does with rules whose phase never
// came, and how evaluation errors are recorded instead of thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../src/model/phase.js';
import { newTransactionRecord } from '../../src/model/record.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { makeExchange, writeRuleFile } from './builders.js';

function engineFor(rules: string): RuleEngine {
  return new RuleEngine(loadRuleSet(writeRuleFile(rules)));
}

function rule(id: string, actions: string[], when?: string): string {
  const condition = when === undefined ? '' : `    when: ${JSON.stringify(when)}\n`;
  return `  - id: ${id}\n    description: Test rule ${id}.\n${condition}    actions:\n${actions.map((action) => `      - ${action}\n`).join('')}`;
}

const REQUEST = { method: 'POST', path: '/login', headers: [['content-type', 'application/json']] as Array<[string, string]>, body: '{"user":"a"}' };

test('rules run in their phase in file order', () => {
  const engine = engineFor(
    rule('on-response', ['tag: { a: b }'], 'response.code == 200') +
      rule('on-request', ['tag: { c: d }'], "request.method == 'POST'") +
      rule('on-body', ['tag: { e: f }'], "request.body.contains('user')") +
      rule('always', ['tag: { g: h }']),
  );
  const record = newTransactionRecord();
  const run = engine.start();
  const requestOnly = makeExchange(REQUEST);
  const withResponse = makeExchange(REQUEST, { code: 200 });

  run.runPhase(Phase.RequestHeaders, requestOnly, record);
  assert.deepEqual(record.matched, ['on-request', 'always']);

  run.runPhase(Phase.RequestBody, requestOnly, record);
  assert.deepEqual(record.matched, ['on-request', 'always', 'on-body']);

  run.runPhase(Phase.ResponseHeaders, withResponse, record);
  assert.deepEqual(record.matched, ['on-request', 'always', 'on-body', 'on-response']);

  run.finish(withResponse, record);
  assert.deepEqual(record.matched, ['on-request', 'always', 'on-body', 'on-response']);
});

test('skipped phase runs its rules later', () => {
  // Body mode NONE: Envoy never sends request_body, so body rules run with
  // the response headers and see no body.
  const engine = engineFor(rule('no-body', ['tag: { body: absent }'], '!has(request.body)') + rule('response', ['tag: { r: x }'], 'response.code == 200'));
  const record = newTransactionRecord();
  const run = engine.start();

  run.runPhase(Phase.RequestHeaders, makeExchange({ method: 'GET' }), record);
  run.runPhase(Phase.ResponseHeaders, makeExchange({ method: 'GET' }, { code: 200 }), record);

  assert.deepEqual(record.matched, ['no-body', 'response']);
});

test('each rule runs once per transaction', () => {
  const engine = engineFor(rule('always', ['log: {}']));
  const record = newTransactionRecord();
  const run = engine.start();
  const exchange = makeExchange(REQUEST, { code: 200 });

  for (let phase = Phase.RequestHeaders; phase <= Phase.ResponseTrailers; phase++) {
    run.runPhase(phase, exchange, record);
  }
  run.finish(exchange, record);

  assert.deepEqual(record.matched, ['always']);
  assert.deepEqual(record.log?.rules, ['always']);
});

test('transactions do not share state', () => {
  const engine = engineFor(rule('always', ['tag: { a: b }']));
  const first = newTransactionRecord();
  const second = newTransactionRecord();

  engine.start().runPhase(Phase.RequestHeaders, makeExchange(REQUEST), first);
  engine.start().runPhase(Phase.RequestHeaders, makeExchange(REQUEST), second);

  assert.deepEqual(first.matched, ['always']);
  assert.deepEqual(second.matched, ['always']);
});

test('block stops the phase and defers the rest', () => {
  const engine = engineFor(
    rule('before', ['tag: { seen: before }']) +
      rule('deny', ['block: { status: 403 }', 'tag: { blocked: yes }'], "request.url_path == '/login'") +
      rule('after-block', ['redact: { headers: [authorization] }', 'set_header: { to: upstream, name: x-a, value: "\'b\'" }', 'block: { status: 429 }']) +
      rule('response-rule', ['log: {}'], '!has(response.code) || response.code != 200'),
  );
  const record = newTransactionRecord();
  const run = engine.start();
  const exchange = makeExchange(REQUEST);

  run.runPhase(Phase.RequestHeaders, exchange, record);
  assert.deepEqual(record.matched, ['before', 'deny']);
  assert.equal(record.block?.rule, 'deny');
  assert.deepEqual(record.tags, { seen: 'before', blocked: 'yes' });

  run.runPhase(Phase.RequestBody, exchange, record);
  assert.deepEqual(record.matched, ['before', 'deny']);

  // The session records the status of its local reply as the response.
  const answered = makeExchange(REQUEST, { code: 403 });
  run.finish(answered, record);
  assert.deepEqual(record.matched, ['before', 'deny', 'after-block', 'response-rule']);
  assert.equal(record.block?.status, 403);
  assert.deepEqual([...record.redaction.headers], ['authorization']);
  assert.deepEqual(record.pendingHeaders.upstream, []);
  assert.deepEqual(record.log?.rules, ['response-rule']);
  assert.deepEqual(record.skippedActions.map((skipped) => [skipped.rule, skipped.action]), [['after-block', 'set_header'], ['after-block', 'block']]);
  assert.match(record.skippedActions[0]?.reason ?? '', /only when the transaction ended/);
});

test('late phase skips header changes', () => {
  // A request-body rule that first runs at response headers (no body was
  // sent) is past the deadline for upstream header changes.
  const engine = engineFor(rule('body-rule', ['set_header: { to: upstream, name: x-a, value: "\'b\'" }', 'set_header: { to: downstream, name: x-c, value: "\'d\'" }', 'tag: { a: b }'], '!has(request.body)'));
  const record = newTransactionRecord();
  const run = engine.start();

  run.runPhase(Phase.ResponseHeaders, makeExchange({ method: 'GET' }, { code: 200 }), record);

  assert.deepEqual(record.matched, ['body-rule']);
  assert.deepEqual(record.pendingHeaders.upstream, []);
  assert.deepEqual(record.pendingHeaders.downstream, [{ op: 'set', name: 'x-c', value: 'd', rule: 'body-rule' }]);
  assert.deepEqual(record.tags, { a: 'b' });
  assert.equal(record.skippedActions.length, 1);
  assert.match(record.skippedActions[0]?.reason ?? '', /ran in the response_headers phase, after the last phase for upstream header changes \(request_body\)/);
});

test('finish runs rules whose phase never came', () => {
  const engine = engineFor(rule('unsuccessful', ['log: { fields: { has_code: "has(response.code)" } }', 'set_header: { to: downstream, name: x-a, value: "\'b\'" }'], '!has(response.code) || response.code != 200'));
  const record = newTransactionRecord();
  const run = engine.start();
  const exchange = makeExchange(REQUEST);

  run.runPhase(Phase.RequestHeaders, exchange, record);
  assert.deepEqual(record.matched, []);

  run.finish(exchange, record);
  assert.deepEqual(record.matched, ['unsuccessful']);
  assert.deepEqual(record.log?.fields, { has_code: false });
  assert.deepEqual(record.pendingHeaders.downstream, []);
  assert.equal(record.skippedActions[0]?.action, 'set_header');
});

test('evaluation errors are recorded, not thrown', () => {
  const engine = engineFor(
    rule('missing-header', ['tag: { a: b }'], "request.headers['x-tenant-id'] == 'acme'") +
      rule('missing-response', ['tag: { c: d }'], 'response.code == 500') +
      rule('dyn-not-bool', ['tag: { e: f }'], 'dyn(request.method)') +
      rule('bad-conversion', ['tag: { g: h }'], "int(request.headers['content-type']) > 1") +
      rule('healthy', ['tag: { i: j }'], "request.method == 'POST'"),
  );
  const record = newTransactionRecord();
  const run = engine.start();
  const exchange = makeExchange(REQUEST);

  assert.doesNotThrow(() => run.runPhase(Phase.RequestHeaders, exchange, record));
  assert.doesNotThrow(() => run.finish(exchange, record));

  assert.deepEqual(record.matched, ['healthy']);
  assert.deepEqual(record.ruleErrors.map((error) => error.rule), ['missing-header', 'dyn-not-bool', 'bad-conversion', 'missing-response']);
  assert.match(record.ruleErrors[0]?.message ?? '', /^when: no such key at request\.headers\['x-tenant-id'\] in request\.headers\['x-tenant-id'\] == 'acme'$/);
  assert.match(record.ruleErrors[1]?.message ?? '', /returned string, not a bool/);
  assert.match(record.ruleErrors[3]?.message ?? '', /^when: no such key at code in response\.code == 500$/);
});

test('rule errors never quote request data', () => {
  const secret = 'Bearer abc.def.ghi';
  const engine = engineFor(rule('convert', ['tag: { a: b }'], "duration(request.headers['authorization']) > duration('1s')"));
  const record = newTransactionRecord();
  const exchange = makeExchange({ headers: [['authorization', secret]] });

  engine.start().runPhase(Phase.RequestHeaders, exchange, record);

  assert.equal(record.ruleErrors.length, 1);
  assert.doesNotMatch(record.ruleErrors[0]?.message ?? '', /abc/);
});

test('ctxproc attributes see earlier rules', () => {
  const engine = engineFor(
    rule('first', ['tag: { threat: sqli }']) +
      rule('second', ['log: { fields: { matched: ctxproc.matched, threat: "ctxproc.tags[\'threat\']", id: ctxproc.transaction_id } }'], "'first' in ctxproc.matched") +
      rule('third', ['tag: { seen: yes }'], "'fourth' in ctxproc.matched") +
      rule('fourth', ['tag: { last: yes }']),
  );
  const record = newTransactionRecord();

  engine.start().runPhase(Phase.RequestHeaders, makeExchange(REQUEST), record);

  assert.deepEqual(record.matched, ['first', 'second', 'fourth']);
  assert.deepEqual(record.log?.fields, { matched: ['first', 'second'], threat: 'sqli', id: 'txn-1' });
});

test('rule without request facts', () => {
  // A transaction can end before Envoy sent anything useful (a reset).
  const engine = engineFor(rule('method', ['tag: { a: b }'], "has(request.method) && request.method == 'GET'") + rule('no-request', ['tag: { c: d }'], '!has(request.method)'));
  const record = newTransactionRecord();

  engine.start().finish(makeExchange(null), record);

  assert.deepEqual(record.matched, ['no-request']);
  assert.deepEqual(record.ruleErrors, []);
});
