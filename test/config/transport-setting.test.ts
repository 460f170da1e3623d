import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';

test('transport defaults to http2', () => {
  assert.equal(resolveSettings({}, {}).transport, 'http2');
});

test('transport accepts grpc-js from the environment', () => {
  assert.equal(resolveSettings({}, { CTXPROC_TRANSPORT: 'grpc-js' }).transport, 'grpc-js');
});

test('transport rejects unknown names', () => {
  assert.throws(() => resolveSettings({ transport: 'uwebsockets' }, {}), /CTXPROC_CONFIG_INVALID: .*"uwebsockets"; expected one of grpc-js, http2/);
});
