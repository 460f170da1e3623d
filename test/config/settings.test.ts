import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress, resolveSettings } from '../../src/config/settings.js';

test('defaults apply without flags or variables', () => {
  const settings = resolveSettings({}, {});
  assert.equal(settings.listen, '0.0.0.0:50051');
  assert.equal(settings.admin, '127.0.0.1:9191');
  assert.equal(settings.bodyLimitBytes, 65536);
});

test('flag wins over variable', () => {
  const settings = resolveSettings({ bodyLimitBytes: '2048' }, { CTXPROC_BODY_LIMIT: '10' });
  assert.equal(settings.bodyLimitBytes, 2048);
});

test('empty variable counts as unset', () => {
  assert.equal(resolveSettings({}, { CTXPROC_LISTEN: '' }).listen, '0.0.0.0:50051');
});

const INVALID: Array<[Record<string, unknown>, NodeJS.ProcessEnv, RegExp]> = [
  [{ bodyLimitBytes: '0' }, {}, /--body-limit is "0"; expected a positive whole number/],
  [{ bodyLimitBytes: '1e3' }, {}, /expected a positive whole number/],
  [{}, { CTXPROC_SHUTDOWN_GRACE_MS: '3000000000' }, /CTXPROC_SHUTDOWN_GRACE_MS is 3000000000; the maximum is 2147483647/],
  [{ listen: 'localhost' }, {}, /expected host:port/],
  [{}, { CTXPROC_LOG_LEVEL: 'loud' }, /CTXPROC_LOG_LEVEL is "loud"/],
];

for (const [flags, env, message] of INVALID) {
  test(`setting rejected: ${message.source.slice(0, 40)}`, () => {
    assert.throws(() => resolveSettings(flags, env), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CTXPROC_CONFIG_INVALID');
      assert.match(error.message, message);
      return true;
    });
  });
}

test('addresses parse with IPv6 brackets', () => {
  assert.deepEqual(parseAddress('[::1]:50051'), { host: '::1', port: 50051 });
  assert.deepEqual(parseAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.throws(() => parseAddress('127.0.0.1:70000'), /expected host:port/);
});
