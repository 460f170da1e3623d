import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isLoopbackHost, resolveAdminAccess } from '../../src/admin/admin-access.js';
import { startTestService } from '../helpers/service-harness.js';
import { runCli } from '../helpers/spawn-ctxproc.js';

const TOKEN = 'a3f9c2e417b84d6e9f01c2d3e4f5a6b7';

function tokenFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ctxproc-admin-')), 'token');
  writeFileSync(file, content);
  return file;
}

const LOOPBACK: Array<[string, boolean]> = [
  ['127.0.0.1', true],
  ['127.8.9.10', true],
  ['localhost', true],
  ['::1', true],
  ['::ffff:127.0.0.1', true],
  ['0.0.0.0', false],
  ['::', false],
  ['10.0.0.5', false],
  ['128.0.0.1', false],
  ['ctxproc.internal', false],
];

for (const [host, expected] of LOOPBACK) {
  test(`loopback check: ${host}`, () => {
    assert.equal(isLoopbackHost(host), expected);
  });
}

test('wide admin address needs a token', () => {
  assert.throws(() => resolveAdminAccess('0.0.0.0', null, false), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'CTXPROC_CONFIG_INVALID');
    assert.match(error.message, /"0\.0\.0\.0" is not a loopback address/);
    assert.match(error.message, /--admin-token-file/);
    return true;
  });
});

test('wide admin address opens when allowed', () => {
  assert.equal(resolveAdminAccess('0.0.0.0', null, true).tokenDigest, null);
});

test('loopback admin address needs no token', () => {
  assert.equal(resolveAdminAccess('127.0.0.1', null, false).tokenDigest, null);
});

test('token file trims its newline', () => {
  const access = resolveAdminAccess('0.0.0.0', tokenFile(`${TOKEN}\n`), false);
  assert.equal(access.tokenDigest?.length, 32);
});

test('short token is rejected', () => {
  assert.throws(() => resolveAdminAccess('0.0.0.0', tokenFile('short\n'), false), /5 characters long or contains whitespace/);
});

test('missing token file is rejected', () => {
  assert.throws(() => resolveAdminAccess('0.0.0.0', '/nonexistent/ctxproc-token', false), /cannot read the admin token file \/nonexistent\/ctxproc-token/);
});

test('admin token guards metrics and rules', async (t) => {
  const ctxproc = await startTestService({ adminTokenFile: tokenFile(TOKEN) });
  t.after(() => ctxproc.stop());
  const base = `http://127.0.0.1:${ctxproc.service.adminPort}`;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  for (const pathname of ['/metrics', '/rules', '/nothing']) {
    const open = await fetch(`${base}${pathname}`);
    assert.equal(open.status, 401, `${pathname} without a token`);
    assert.match(open.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await fetch(`${base}${pathname}`, bearer(`${TOKEN}x`))).status, 401, `${pathname} with a wrong token`);
    assert.equal((await fetch(`${base}${pathname}`, { headers: { authorization: `Basic ${TOKEN}` } })).status, 401, `${pathname} with another scheme`);
  }
  assert.equal((await fetch(`${base}/metrics`, bearer(TOKEN))).status, 200);
  assert.equal((await fetch(`${base}/rules`, bearer(TOKEN))).status, 200);
});

test('serve rejects a wide admin address without a token', async () => {
  const result = await runCli(['serve', '--listen', '127.0.0.1:0', '--admin', '0.0.0.0:0']);

  assert.equal(result.code, 1);
  assert.match(result.stderr, /not a loopback address, and no --admin-token-file is set/);
  assert.doesNotMatch(result.stdout, /ctxproc started/);
});

test('allow-open flag takes true or false', async () => {
  const result = await runCli(['serve', '--listen', '127.0.0.1:0', '--admin', '0.0.0.0:0', '--admin-allow-open', 'maybe']);

  assert.equal(result.code, 2);
  assert.match(result.stderr, /--admin-allow-open is "maybe"; expected true or false/);
});
