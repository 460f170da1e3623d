import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { decodeRequest, decodeResponse, encodeRequest } from '../../src/protocol/codec.js';
import type { ProcessingRequest, ProcessingResponse } from '../../src/protocol/messages.js';
import { BodySendMode } from '../../src/protocol/messages.js';
import { structToJson } from '../../src/protocol/struct.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { Transaction, TransactionState, type ReceiveResult } from '../../src/session/transaction.js';
import { REPO_ROOT } from '../helpers/service-harness.js';
import { GET_HEADERS, requestHeaders, responseHeaders } from '../helpers/raw-stream.js';
import { writeRuleFile } from '../rules/builders.js';

const engine = new RuleEngine(loadRuleSet(path.join(REPO_ROOT, 'test/fixtures/rules/session/session.yaml')));

function newTransaction(bodyLimitBytes = 1024): Transaction {
  return new Transaction(engine.start(), { bodyLimitBytes, rulesVersion: 'sha256:test' });
}

/** Returns a new transaction on the rules of `lines`, YAML rule entries indented under `rules:`. */
function transactionOn(lines: string[]): Transaction {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(lines.join('\n') + '\n')));
  return new Transaction(engine.start(), { bodyLimitBytes: 1024, rulesVersion: 'sha256:test' });
}

/** Sends a message through the wire encoding, as the stream handler does. */
function receive(transaction: Transaction, message: ProcessingRequest): ReceiveResult {
  return transaction.receive(decodeRequest(encodeRequest(message)));
}

function reply(result: ReceiveResult): ProcessingResponse {
  assert.equal(result.kind, 'reply', `expected a reply, got ${JSON.stringify(result)}`);
  return decodeResponse((result as { bytes: Buffer }).bytes);
}

function setHeaders(response: ProcessingResponse, kind: 'request_headers' | 'response_headers' | 'request_body'): Record<string, string> {
  const options = response[kind]?.response?.header_mutation?.set_headers ?? [];
  return Object.fromEntries(options.map((option) => [option.header.key, Buffer.from(option.header.raw_value ?? []).toString()]));
}

test('request headers reply carries upstream header', () => {
  const transaction = newTransaction();
  const response = reply(receive(transaction, requestHeaders(GET_HEADERS, true)));

  assert.equal(response.response, 'request_headers');
  assert.equal(setHeaders(response, 'request_headers')['x-ctxproc-seen'], 'yes');
  assert.ok(transaction.exchange.request?.headers.some(([name, value]) => name === 'x-ctxproc-seen' && value === 'yes'));
});

test('response headers reply carries downstream header', () => {
  const transaction = newTransaction();
  receive(transaction, requestHeaders(GET_HEADERS, true));
  const result = receive(transaction, responseHeaders([[':status', '200']], true));
  const response = reply(result);

  assert.equal(setHeaders(response, 'response_headers')['x-ctxproc-transaction'], transaction.exchange.id);
  assert.equal(result.kind === 'reply' && result.done, true);
  assert.equal(transaction.state, TransactionState.Completed);
});

test('block answers with an immediate response', () => {
  const transaction = newTransaction();
  const headers = GET_HEADERS.map(([name, value]): [string, string] => (name === ':path' ? [name, '/admin/users'] : [name, value]));
  const response = reply(receive(transaction, requestHeaders(headers, true)));

  assert.equal(response.response, 'immediate_response');
  assert.equal(response.immediate_response?.status?.code, 403);
  assert.equal(Buffer.from(response.immediate_response?.body ?? []).toString(), '{"error":"forbidden"}');
  assert.equal(response.immediate_response?.details, 'ctxproc_blocked_by_block-admin');
  assert.equal(structToJson(response.dynamic_metadata).ctxproc && (structToJson(response.dynamic_metadata).ctxproc as Record<string, unknown>).action, 'blocked');
  assert.equal(transaction.state, TransactionState.Blocked);
  assert.equal(transaction.exchange.response?.code, 403);
});

test('message after a block is rejected', () => {
  const transaction = newTransaction();
  const headers = GET_HEADERS.map(([name, value]): [string, string] => (name === ':path' ? [name, '/admin'] : [name, value]));
  receive(transaction, requestHeaders(headers, true));
  const result = receive(transaction, responseHeaders([[':status', '200']], true));

  assert.equal(result.kind, 'violation');
  assert.equal(result.kind === 'violation' && result.code, 'CTXPROC_PROTO_AFTER_END');
});

test('streamed chunks run body rules at the last chunk', () => {
  const transaction = newTransaction();
  receive(transaction, { ...requestHeaders(GET_HEADERS, false), protocol_config: { request_body_mode: BodySendMode.STREAMED } });
  reply(receive(transaction, { request_body: { body: Buffer.from('name=x; DROP '), end_of_stream: false } }));
  assert.equal(transaction.record.tags.finding, undefined);

  reply(receive(transaction, { request_body: { body: Buffer.from('TABLE users'), end_of_stream: true } }));
  assert.equal(transaction.record.tags.finding, 'sqli-like');
  assert.equal(transaction.record.log?.message, 'suspicious body');
  assert.equal(transaction.exchange.request?.body?.bytes.toString(), 'name=x; DROP TABLE users');
});

test('body beyond the limit is truncated and noted', () => {
  const truncated: string[] = [];
  const transaction = new Transaction(engine.start(), { bodyLimitBytes: 16, rulesVersion: 'sha256:test', onBodyTruncated: (direction) => truncated.push(direction) });
  receive(transaction, requestHeaders(GET_HEADERS, false));
  reply(receive(transaction, { request_body: { body: Buffer.alloc(40, 'a'), end_of_stream: true } }));

  const body = transaction.exchange.request?.body;
  assert.equal(body?.bytes.length, 16);
  assert.equal(body?.size, 40);
  assert.equal(body?.truncated, true);
  assert.deepEqual(truncated, ['request']);
  assert.match(transaction.notes.join('\n'), /request body longer than the body limit of 16 bytes/);
});

test('full duplex chunks are sent back unchanged', () => {
  const transaction = newTransaction();
  receive(transaction, { ...requestHeaders(GET_HEADERS, false), protocol_config: { request_body_mode: BodySendMode.FULL_DUPLEX_STREAMED } });
  const first = reply(receive(transaction, { request_body: { body: Buffer.from('part one '), end_of_stream: false } }));
  const last = reply(receive(transaction, { request_body: { body: Buffer.from('part two'), end_of_stream: true } }));

  const streamed = (response: ProcessingResponse) => response.request_body?.response?.body_mutation?.streamed_response;
  assert.equal(Buffer.from(streamed(first)?.body ?? []).toString(), 'part one ');
  assert.equal(streamed(first)?.end_of_stream ?? false, false);
  assert.equal(Buffer.from(streamed(last)?.body ?? []).toString(), 'part two');
  assert.equal(streamed(last)?.end_of_stream, true);
});

test('observability mode sends nothing and blocks nothing', () => {
  const transaction = newTransaction();
  const headers = GET_HEADERS.map(([name, value]): [string, string] => (name === ':path' ? [name, '/admin'] : [name, value]));
  const result = receive(transaction, { ...requestHeaders(headers, true), observability_mode: true });

  assert.equal(result.kind, 'silent');
  assert.equal(transaction.state, TransactionState.Open);
  assert.equal(transaction.unappliedActions, 1);
  assert.match(transaction.notes.join('\n'), /observability mode/);
});

test('finish runs rules whose phase never came', () => {
  const transaction = newTransaction();
  receive(transaction, requestHeaders(GET_HEADERS, true));
  receive(transaction, responseHeaders([[':status', '502']], false));
  transaction.finish();
  transaction.finish();

  assert.equal(transaction.record.log?.message, 'error response');
  assert.ok(transaction.exchange.endNs !== null);
  assert.equal(transaction.isFinished, true);
});

test('metadata is sent only when the decision changes', () => {
  const transaction = newTransaction();
  const first = reply(receive(transaction, requestHeaders(GET_HEADERS, false)));
  const second = reply(receive(transaction, { request_body: { body: Buffer.from('{}'), end_of_stream: true } }));
  const third = reply(receive(transaction, responseHeaders([[':status', '404']], true)));

  assert.ok(first.dynamic_metadata, 'the first reply has no metadata');
  assert.equal(second.dynamic_metadata ?? null, null);
  assert.equal((structToJson(third.dynamic_metadata).ctxproc as Record<string, unknown>).logged, true);
});

test('logged transaction sets the access log hint', () => {
  const transaction = newTransaction();
  const first = reply(receive(transaction, requestHeaders(GET_HEADERS, false)));
  receive(transaction, { request_body: { body: Buffer.from('{}'), end_of_stream: true } });
  const third = reply(receive(transaction, responseHeaders([[':status', '404']], true)));

  assert.equal(structToJson(first.dynamic_metadata)['envoy.common'], undefined, 'a request not yet logged has a hint');
  const metadata = structToJson(third.dynamic_metadata);
  assert.deepEqual(metadata['envoy.common'], { access_log_hint: true });
  const decision = metadata.ctxproc as Record<string, unknown>;
  assert.equal(decision.logged_by, 'log-errors');
  assert.equal(decision.blocked_by, undefined);
  assert.equal(decision.action, 'allowed');
});

test('body read again in a later phase', () => {
  const transaction = transactionOn([
    '  - id: body-order',
    '    description: Tags bodies that name the order.',
    "    when: \"request.body.contains('order-7')\"",
    '    actions:',
    '      - tag: { order: seven }',
    '  - id: created-order',
    '    description: Tags created orders, reading the request body at the response.',
    "    when: \"response.code == 201 && request.body.contains('order-7')\"",
    '    actions:',
    '      - tag: { created: seven }',
  ]);

  reply(receive(transaction, { ...requestHeaders(GET_HEADERS, false), protocol_config: { request_body_mode: BodySendMode.BUFFERED } }));
  reply(receive(transaction, { request_body: { body: Buffer.from('{"id":"order-7"}'), end_of_stream: true } }));
  assert.deepEqual(transaction.record.matched, ['body-order']);

  reply(receive(transaction, responseHeaders([[':status', '201']])));
  assert.deepEqual(transaction.record.matched, ['body-order', 'created-order']);
  assert.deepEqual(transaction.record.tags, { order: 'seven', created: 'seven' });
});

test('a request without a body reads an empty body', () => {
  const transaction = transactionOn([
    '  - id: body-marker',
    '    description: Tags bodies that carry a marker.',
    "    when: \"request.body.contains('MARKER') || request.size > 0\"",
    '    actions:',
    '      - tag: { marker: found }',
  ]);

  reply(receive(transaction, requestHeaders(GET_HEADERS, true)));
  reply(receive(transaction, responseHeaders([[':status', '200']], true)));
  transaction.finish();

  assert.deepEqual(transaction.record.ruleErrors, []);
  assert.deepEqual(transaction.record.matched, []);
  assert.equal(transaction.exchange.request?.body?.size, 0);
});

test('bodyless request runs body rules early', () => {
  const rules = writeRuleFile([
    '  - id: block-without-csrf',
    '    description: Blocks requests whose body carries no csrf field.',
    "    when: \"request.method == 'DELETE' && !request.body.contains('csrf=')\"",
    '    actions:',
    '      - block: { status: 403 }',
    '  - id: mark-empty-body',
    '    description: Tells the upstream that the body was empty.',
    "    when: \"request.body == ''\"",
    '    actions:',
    "      - set_header: { to: upstream, name: x-empty-body, value: \"'1'\" }",
  ].join('\n') + '\n');
  const engine = new RuleEngine(loadRuleSet(rules));
  const remove = new Transaction(engine.start(), { bodyLimitBytes: 1024, rulesVersion: 'sha256:test' });
  const get = new Transaction(engine.start(), { bodyLimitBytes: 1024, rulesVersion: 'sha256:test' });
  const deleteHeaders = GET_HEADERS.map(([name, value]): [string, string] => (name === ':method' ? [name, 'DELETE'] : [name, value]));

  const blocked = reply(receive(remove, requestHeaders(deleteHeaders, true)));
  const passed = reply(receive(get, requestHeaders(GET_HEADERS, true)));

  assert.equal(blocked.response, 'immediate_response');
  assert.equal(blocked.immediate_response?.status?.code, 403);
  assert.equal(setHeaders(passed, 'request_headers')['x-empty-body'], '1');
  assert.deepEqual(get.record.skippedActions, []);
});

test('an action decided too late is noted and counted', () => {
  const transaction = transactionOn([
    '  - id: late-upstream-header',
    '    description: Marks requests whose body Envoy did not send.',
    '    when: "!has(request.body)"',
    '    actions:',
    "      - set_header: { to: upstream, name: x-late, value: \"'1'\" }",
  ]);

  reply(receive(transaction, requestHeaders(GET_HEADERS, false)));
  reply(receive(transaction, responseHeaders([[':status', '200']], true)));
  transaction.finish();

  assert.deepEqual(transaction.record.matched, ['late-upstream-header']);
  assert.equal(transaction.unappliedActions, 1);
  assert.match(transaction.notes.join('\n'), /set_header of rule late-upstream-header was not applied: the rule ran in the response_headers phase/);
});

test('release drops headers and bodies and keeps the record', () => {
  const transaction = newTransaction();
  receive(transaction, { ...requestHeaders(GET_HEADERS, false), protocol_config: { request_body_mode: BodySendMode.BUFFERED } });
  reply(receive(transaction, { request_body: { body: Buffer.from('name=x; DROP TABLE users'), end_of_stream: true } }));
  receive(transaction, responseHeaders([[':status', '200']], true));
  transaction.finish();
  const tags = transaction.record.tags;

  transaction.release();

  assert.equal(transaction.exchange.request, null);
  assert.equal(transaction.exchange.response, null);
  assert.deepEqual(transaction.exchange.attributes, {});
  assert.equal(transaction.record.tags, tags);
  assert.equal(transaction.record.tags.finding, 'sqli-like');
  assert.equal(receive(transaction, requestHeaders(GET_HEADERS, true)).kind, 'violation');
});
