// SSRF detector and its IPv4 parser, which must read the spellings that
// inet_aton accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectSsrf, parseIpv4 } from '../../../src/detection/detectors/ssrf.js';
import { testDetector } from './cases.js';

testDetector('ssrf', detectSsrf, {
  attacks: [
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://2852039166/',
    'http://0xA9FEA9FE/',
    'http://0251.0376.0251.0376/',
    'http://[::ffff:a9fe:a9fe]/',
    'gopher://127.0.0.1:6379/_INFO',
    'http://localhost:2375/containers/json',
    'http://10.0.0.5/admin',
    'http://169.254.170.2/v2/credentials/x',
  ],
  benign: ['https://example.com/', '192.0.2.10', 'version 10.2.3.4', '10.0.0.7', '[::ffff:a9fe:a9fe]', '169.254.169.254 is the metadata address', 'http://203.0.113.7/page', 'http://169.254.12.7/printer', 'http://0x1A9FEA9FE/', 'http://169.254.65536/'],
});

test('parseIpv4 reads dotted decimal', () => {
  assert.equal(parseIpv4('169.254.169.254'), 0xa9fea9fe);
});

test('parseIpv4 reads one decimal number', () => {
  assert.equal(parseIpv4('2130706433'), 0x7f000001);
});

test('parseIpv4 reads hex and octal parts', () => {
  assert.equal(parseIpv4('0x7f.0.0.01'), 0x7f000001);
});

test('parseIpv4 fills the last part', () => {
  assert.equal(parseIpv4('127.1'), 0x7f000001);
});

test('parseIpv4 rejects parts too large for their bytes', () => {
  assert.equal(parseIpv4('0x1000000a9'), null);
  assert.equal(parseIpv4('300.1.1.1'), null);
  assert.equal(parseIpv4('10.1.65536'), null);
});

test('parseIpv4 rejects names', () => {
  assert.equal(parseIpv4('example.com'), null);
});
