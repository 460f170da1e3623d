import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';

test('transport defaults to grpc-js', () => {
  assert.equal(resolveSettings({}, {}).transport, 'grpc-js');
});

test('transport accepts http2 from the environment', () => {
  assert.equal(resolveSettings({}, { CTXPROC_TRANSPORT: 'http2' }).transport, 'http2');
});

test('transport rejects unknown names', () => {
  assert.throws(() => resolveSettings({ transport: 'uwebsockets' }, {}), /CTXPROC_CONFIG_INVALID: .*"uwebsockets"; expected one of grpc-js, http2/);
});
