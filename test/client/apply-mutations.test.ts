// applyHeaderMutation and applyBodyMutation: Envoy's order of checks and
// which mistakes fail the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBodyMutation, applyHeaderMutation, mutatedBodyLength } from '../../src/client/apply-mutations.js';
import { HeaderMap } from '../../src/client/header-map.js';
import { MutationChecker } from '../../src/client/mutation-rules.js';
import type { HeaderValueOption } from '../../src/protocol/messages.js';
import type { MutationRulesConfig } from '../../src/client/types.js';

function context(rules: MutationRulesConfig = {}) {
  return { checker: new MutationChecker(rules), maxHeadersCount: 100, maxHeadersKb: 60 };
}

function raw(key: string, value: string, append?: boolean): HeaderValueOption {
  const option: HeaderValueOption = { header: { key, raw_value: Buffer.from(value, 'latin1') } };
  if (append !== undefined) {
    option.append = { value: append };
  }
  return option;
}

function requestMap(): HeaderMap {
  return new HeaderMap('request_headers', [
    [':method', 'GET'],
    [':path', '/'],
    ['x-a', '1'],
  ]);
}

test('append false overwrites and append true adds', () => {
  const headers = requestMap();

  const outcome = applyHeaderMutation({ set_headers: [raw('X-A', '2'), raw('x-b', '1', true), raw('x-b', '2', true)] }, headers, context());

  assert.deepEqual(outcome, { rejected: 0, error: null });
  assert.deepEqual(headers.get('x-a'), ['2']);
  assert.deepEqual(headers.get('x-b'), ['1', '2']);
});

test('append_action is ignored', () => {
  const headers = requestMap();

  applyHeaderMutation({ set_headers: [{ ...raw('x-a', '2'), append_action: 0 }] }, headers, context());

  assert.deepEqual(headers.get('x-a'), ['2'], 'APPEND_IF_EXISTS_OR_ADD does not append');
});

test('removals run before sets', () => {
  const headers = requestMap();

  applyHeaderMutation({ set_headers: [raw('x-a', 'kept')], remove_headers: ['x-a'] }, headers, context());

  assert.deepEqual(headers.get('x-a'), ['kept']);
});

test('invalid remove name fails the request', () => {
  const outcome = applyHeaderMutation({ remove_headers: ['bad name'] }, requestMap(), context());

  assert.equal(outcome.error, 'Invalid character in remove_headers mutation.');
  assert.equal(outcome.rejected, 1);
});

test('entries before an error stay applied', () => {
  const headers = requestMap();

  const outcome = applyHeaderMutation({ set_headers: [raw('x-first', '1'), raw('x-bad', 'a\nb')] }, headers, context());

  assert.equal(outcome.error, 'Invalid character in set_headers mutation.');
  assert.deepEqual(headers.get('x-first'), ['1']);
});

test('too many entries fail before any is applied', () => {
  const headers = requestMap();
  const setHeaders = Array.from({ length: 3 }, (_, index) => raw(`x-${index}`, 'v'));

  const outcome = applyHeaderMutation({ set_headers: setHeaders }, headers, { ...context(), maxHeadersCount: 2 });

  assert.match(outcome.error ?? '', /set header count 3 exceed the HCM header countlimit 2/);
  assert.deepEqual(headers.get('x-0'), []);
});

test('result over the size limit fails', () => {
  const outcome = applyHeaderMutation({ set_headers: [raw('x-big', 'v'.repeat(2048))] }, requestMap(), {
    ...context(),
    maxHeadersKb: 1,
  });

  assert.match(outcome.error ?? '', /exceeding the count limit 100 or the size limit 1 kilobytes/);
});

test('CONTINUE_AND_REPLACE may always set :method', () => {
  const headers = requestMap();

  const outcome = applyHeaderMutation({ set_headers: [raw(':method', 'POST')] }, headers, { ...context(), replacingMessage: true });

  assert.equal(outcome.rejected, 0);
  assert.deepEqual(headers.get(':method'), ['POST']);
});

test('content-length sets are skipped when Envoy removes it', () => {
  const headers = requestMap();

  const outcome = applyHeaderMutation({ set_headers: [raw('Content-Length', '4')] }, headers, { ...context(), removeContentLength: true });

  assert.deepEqual(outcome, { rejected: 0, error: null });
  assert.deepEqual(headers.get('content-length'), []);
});

test('body mutations', () => {
  const data = Buffer.from('original');

  assert.equal(applyBodyMutation({ mutation: 'body', body: Buffer.from('new') }, data).toString(), 'new');
  assert.equal(applyBodyMutation({ mutation: 'clear_body', clear_body: true }, data).length, 0);
  assert.equal(applyBodyMutation({ mutation: 'clear_body', clear_body: false }, data), data);
  assert.equal(applyBodyMutation({}, data), data);
  assert.equal(mutatedBodyLength({ mutation: 'body', body: Buffer.from('abc') }), 3);
  assert.equal(mutatedBodyLength({ mutation: 'clear_body', clear_body: true }), 0);
});
