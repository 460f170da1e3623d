import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointFromAttributes, sourceFromHeaders } from '../../src/session/endpoints.js';

const ATTRIBUTE_CASES: Array<[unknown, unknown, { address: string; port: number } | null]> = [
  ['10.1.2.3:5555', undefined, { address: '10.1.2.3', port: 5555 }],
  ['[2001:db8::1]:443', undefined, { address: '2001:db8::1', port: 443 }],
  ['2001:db8::1', 8443, { address: '2001:db8::1', port: 8443 }],
  ['192.0.2.7', 80, { address: '192.0.2.7', port: 80 }],
  ['not-an-ip:80', undefined, null],
  ['', undefined, null],
  [42, undefined, null],
];

for (const [address, port, expected] of ATTRIBUTE_CASES) {
  test(`source attribute ${JSON.stringify(address)}`, () => {
    assert.deepEqual(endpointFromAttributes(address, port), expected);
  });
}

test('forwarded-for gives the first address', () => {
  assert.deepEqual(sourceFromHeaders([['x-forwarded-for', '203.0.113.9, 10.0.0.1']]), { address: '203.0.113.9', port: 0 });
});

test('forwarded-for that is not an IP is ignored', () => {
  const forged = sourceFromHeaders([['x-forwarded-for', '4111111111111111, 10.0.0.1'], ['x-envoy-external-address', 'eyJhbGciOi.secret']]);
  assert.equal(forged, null);
});

test('external address is the fallback', () => {
  assert.deepEqual(sourceFromHeaders([['x-envoy-external-address', '198.51.100.4']]), { address: '198.51.100.4', port: 0 });
});
