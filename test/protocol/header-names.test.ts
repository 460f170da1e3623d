// Common header names come back as shared strings, and any other name,
// a near miss included, is decoded from its bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonHeaderName } from '../../src/protocol/header-names.js';
import { decodeSessionRequest } from '../../src/protocol/request-decoder.js';
import { encodeRequest } from '../../src/protocol/codec.js';

function nameOf(text: string): string | undefined {
  const bytes = Buffer.from(`..${text}..`, 'utf8');
  return commonHeaderName(bytes, 2, bytes.length - 2);
}

test('common names found', () => {
  for (const name of [':authority', ':path', 'user-agent', 'x-request-id', 'te', 'x-envoy-upstream-service-time']) {
    assert.equal(nameOf(name), name);
  }
});

test('other names not found', () => {
  for (const name of ['', 'x', 'user-agenx', 'usex-agent', 'User-Agent', 'x-request-ie', ':pat', 'accept-encodinG', 'zürich']) {
    assert.equal(nameOf(name), undefined, name);
  }
});

test('decoder keeps every name', () => {
  const headers: Array<[string, string]> = [[':path', '/a'], ['user-agenx', 'u'], ['user-agent', 'curl/8'], ['x-custom', 'v'], ['', 'empty name'], ['ünïcode', 'ü']];
  const message = encodeRequest({ request_headers: { headers: { headers: headers.map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) }, end_of_stream: true } });

  const decoded = decodeSessionRequest(message);

  assert.deepEqual(decoded.request_headers?.headers?.pairs, headers);
});
