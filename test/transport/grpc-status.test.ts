import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentEncode, statusTrailers } from '../../src/transport/grpc-status.js';

test('percentEncode keeps printable ASCII', () => {
  assert.equal(percentEncode('CTXPROC_PROTO_TOO_LARGE: 70 bytes over (limit 64)'), 'CTXPROC_PROTO_TOO_LARGE: 70 bytes over (limit 64)');
});

test('percentEncode encodes UTF-8 and percent', () => {
  assert.equal(percentEncode('règle 100%\n'), 'r%C3%A8gle 100%25%0A');
});

test('statusTrailers omits an empty message', () => {
  assert.deepEqual(statusTrailers(0, ''), { 'grpc-status': '0' });
  assert.deepEqual(statusTrailers(8, 'too large'), { 'grpc-status': '8', 'grpc-message': 'too large' });
});
