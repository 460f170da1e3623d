// Classification of transaction results into the summary counts, and the
// summary's text form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpRequestSpec, HttpResponseSpec, TransactionResult } from '../../src/client/types.js';
import { classifyResult } from '../../src/replay/outcome.js';
import { formatSummary, replayFailed, SummaryBuilder } from '../../src/replay/summary.js';

const SENT: HttpRequestSpec = {
  method: 'POST',
  path: '/login',
  scheme: 'http',
  authority: 'shop.example',
  headers: [
    ['content-type', 'application/json'],
    ['content-length', '2'],
  ],
  body: Buffer.from('{}'),
};

const UPSTREAM_RESPONSE: HttpResponseSpec = { status: 200, headers: [['content-type', 'text/plain']], body: Buffer.from('ok') };

function result(overrides: Partial<TransactionResult> = {}): TransactionResult {
  return {
    upstreamRequest: { ...SENT, headers: [...SENT.headers] },
    downstreamResponse: { ...UPSTREAM_RESPONSE, headers: [...UPSTREAM_RESPONSE.headers] },
    localReply: false,
    downstreamReset: false,
    responseCodeDetails: 'via_upstream',
    protocolErrors: [],
    timedOut: false,
    grpcStatus: null,
    dynamicMetadata: {},
    rejectedHeaderMutations: 0,
    messagesSent: 2,
    messagesReceived: 2,
    streamEnd: { how: 'reset', status: null, waitMs: 0 },
    upstreamError: null,
    ...overrides,
  };
}

test('outcome of an untouched transaction counts nothing', () => {
  const outcome = classifyResult(SENT, UPSTREAM_RESPONSE, result());
  assert.deepEqual(outcome, { logged: false, blocked: false, mutated: false, protocolError: false, timedOut: false, errorKinds: [] });
});

test('outcome reads ctxproc.logged from dynamic metadata', () => {
  assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, result({ dynamicMetadata: { ctxproc: { logged: true } } })).logged, true);
  assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, result({ dynamicMetadata: { ctxproc: { logged: false } } })).logged, false);
  assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, result({ dynamicMetadata: { other: { logged: true } } })).logged, false);
});

test('outcome counts an immediate response as blocked', () => {
  const blocked = result({ upstreamRequest: null, localReply: true, responseCodeDetails: 'ctxproc_blocked', downstreamResponse: { status: 403, headers: [] } });
  const outcome = classifyResult(SENT, null, blocked);
  assert.equal(outcome.blocked, true);
  assert.equal(outcome.mutated, false);
});

test('outcome does not count error replies as blocked', () => {
  const grpcError = result({
    upstreamRequest: null,
    localReply: true,
    responseCodeDetails: 'ext_proc_error_gRPC_error_14{connection refused}',
    downstreamResponse: { status: 500, headers: [] },
  });
  const tooLarge = result({ upstreamRequest: null, localReply: true, responseCodeDetails: 'request_payload_too_large', downstreamResponse: { status: 413, headers: [] } });
  const timeout = result({ upstreamRequest: null, localReply: true, timedOut: true, responseCodeDetails: 'ext_proc_error_per-message_timeout_exceeded', downstreamResponse: { status: 504, headers: [] } });

  assert.deepEqual(classifyResult(SENT, null, grpcError).errorKinds, ['ext_proc_error_gRPC_error_14']);
  assert.equal(classifyResult(SENT, null, grpcError).blocked, false);
  assert.deepEqual(classifyResult(SENT, null, tooLarge).errorKinds, ['local_reply:request_payload_too_large']);
  assert.equal(classifyResult(SENT, null, tooLarge).blocked, false);
  assert.deepEqual(classifyResult(SENT, null, timeout).errorKinds, ['timeout', 'ext_proc_error_per-message_timeout_exceeded']);
  assert.equal(classifyResult(SENT, null, timeout).timedOut, true);
});

test('outcome counts protocol errors and non-OK statuses', () => {
  const spurious = classifyResult(SENT, UPSTREAM_RESPONSE, result({ protocolErrors: ['spurious response_body reply: no request outstanding'] }));
  assert.equal(spurious.protocolError, true);
  assert.deepEqual(spurious.errorKinds, ['protocol_error:spurious response_body reply']);

  const status = classifyResult(SENT, UPSTREAM_RESPONSE, result({ grpcStatus: { code: 13, details: 'boom' } }));
  assert.equal(status.protocolError, true);
  assert.deepEqual(status.errorKinds, ['grpc_status_13']);

  assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, result({ grpcStatus: { code: 0, details: '' } })).protocolError, false);
});

test('outcome detects request mutations', () => {
  const added = result({ upstreamRequest: { ...SENT, headers: [...SENT.headers, ['x-ctxproc', 'seen']] } });
  const removed = result({ upstreamRequest: { ...SENT, headers: [['content-length', '2']] } });
  const body = result({ upstreamRequest: { ...SENT, body: Buffer.from('[]') } });
  const path = result({ upstreamRequest: { ...SENT, path: '/other' } });
  for (const changed of [added, removed, body, path]) {
    assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, changed).mutated, true);
  }
});

test('outcome ignores what Envoy changes itself', () => {
  const streamed = result({
    upstreamRequest: { ...SENT, headers: [['content-type', 'application/json'], ['x-request-id', 'abc'], ['x-forwarded-proto', 'http']] },
    downstreamResponse: { ...UPSTREAM_RESPONSE, headers: [...UPSTREAM_RESPONSE.headers, ['date', 'now'], ['x-envoy-upstream-service-time', '3']] },
  });
  assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, streamed).mutated, false);
});

test('outcome detects response mutations', () => {
  const redacted = result({ downstreamResponse: { ...UPSTREAM_RESPONSE, body: Buffer.from('**') } });
  const status = result({ downstreamResponse: { ...UPSTREAM_RESPONSE, status: 418 } });
  assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, redacted).mutated, true);
  assert.equal(classifyResult(SENT, UPSTREAM_RESPONSE, status).mutated, true);
});

test('summary counts outcomes, skips and failures', () => {
  const builder = new SummaryBuilder();
  builder.addFile();
  builder.addFile();
  builder.addOutcome(classifyResult(SENT, UPSTREAM_RESPONSE, result({ dynamicMetadata: { ctxproc: { logged: true } } })));
  builder.addOutcome(classifyResult(SENT, UPSTREAM_RESPONSE, result({ protocolErrors: ['request_headers reply rejected: bad header'] })));
  builder.addSkipped({ kind: 'skipped', source: 'a.yaml#test 1 stage 1', reason: 'http1_invalid_method', detail: 'x' });
  builder.addFailure('client_error:closed');
  builder.addFileError('bad.har', new Error('bad.har is not valid JSON: Unexpected end'));
  const summary = builder.finish();

  assert.equal(summary.files, 2);
  assert.equal(summary.transactions, 3);
  assert.equal(summary.logged, 1);
  assert.equal(summary.protocol_errors, 1);
  assert.equal(summary.failed, 1);
  assert.equal(summary.skipped, 1);
  assert.deepEqual(summary.skipped_by_reason, { http1_invalid_method: 1 });
  assert.deepEqual(summary.errors_by_kind, { 'protocol_error:request_headers reply rejected': 1, 'client_error:closed': 1 });
  assert.deepEqual(summary.file_errors, [{ file: 'bad.har', error: 'bad.har is not valid JSON: Unexpected end' }]);
  assert.equal(replayFailed(summary), true);

  const text = formatSummary(summary);
  assert.match(text, /^files: +2$/m);
  assert.match(text, /^transactions: +3$/m);
  assert.match(text, /^protocol errors: +1$/m);
  assert.match(text, /^skipped because:\n  http1_invalid_method: 1$/m);
  assert.match(text, /^file error: bad\.har is not valid JSON: Unexpected end$/m);
});

test('summary of a clean replay does not fail', () => {
  const builder = new SummaryBuilder();
  builder.addOutcome(classifyResult(SENT, UPSTREAM_RESPONSE, result()));
  assert.equal(replayFailed(builder.finish()), false);
});
