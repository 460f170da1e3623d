// The OCSF mapping against what OCSF 1.3.0 requires of HTTP Activity
// (class 4002): the base event's required attributes, at least one of
// http_request and http_response, at least one of src_endpoint and
// dst_endpoint, and the Security Control profile's action and disposition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormatter } from '../../../src/events/formats/index.js';
import { OCSF_VERSION, toOcsf } from '../../../src/events/formats/ocsf.js';
import { allowedEvent, blockedEvent } from './formats-fixtures.js';

function assertRequired(ocsf: Record<string, any>): void {
  for (const key of ['activity_id', 'category_uid', 'class_uid', 'type_uid', 'severity_id', 'time']) {
    assert.equal(typeof ocsf[key], 'number', `${key} is not a number`);
  }
  assert.equal(ocsf.category_uid, 4);
  assert.equal(ocsf.class_uid, 4002);
  assert.equal(ocsf.type_uid, 4002 * 100 + ocsf.activity_id);
  assert.equal(ocsf.metadata.version, OCSF_VERSION);
  assert.equal(typeof ocsf.metadata.product.name, 'string');
  assert.equal(typeof ocsf.metadata.product.vendor_name, 'string');
  assert.ok(ocsf.http_request !== undefined || ocsf.http_response !== undefined, 'neither http_request nor http_response');
  assert.ok(ocsf.src_endpoint !== undefined || ocsf.dst_endpoint !== undefined, 'neither src_endpoint nor dst_endpoint');
}

test('ocsf allowed GET has required fields', () => {
  const ocsf = toOcsf(allowedEvent());

  assertRequired(ocsf);
  assert.equal(ocsf.activity_id, 3);
  assert.equal(ocsf.activity_name, 'Get');
  assert.equal(ocsf.type_uid, 400203);
  assert.equal(ocsf.time, Date.parse('2025-03-01T10:00:00.000Z'));
  assert.equal(ocsf.severity_id, 3);
  assert.deepEqual(ocsf.http_response, { code: 404 });
  assert.equal((ocsf.http_request as any).url.path, '/orders/9');
  assert.equal((ocsf.http_request as any).url.query_string, 'page=2');
  assert.equal((ocsf.http_request as any).uid, 'req-1');
  assert.deepEqual((ocsf.http_request as any).http_headers, [{ name: 'user-agent', value: 'curl/8.5' }]);
  assert.deepEqual(ocsf.src_endpoint, { ip: '203.0.113.9', port: 51234 });
  assert.equal(ocsf.action_id, 1);
  assert.equal(ocsf.disposition_id, 1);
  assert.equal((ocsf.firewall_rule as any).uid, 'log-unsuccessful');
  assert.equal(ocsf.duration, 12);
});

test('ocsf blocked POST is denied', () => {
  const ocsf = toOcsf(blockedEvent());

  assertRequired(ocsf);
  assert.equal(ocsf.activity_id, 6);
  assert.equal(ocsf.action_id, 2);
  assert.equal(ocsf.action, 'Denied');
  assert.equal(ocsf.disposition_id, 2);
  assert.equal(ocsf.disposition, 'Blocked');
  assert.equal((ocsf.firewall_rule as any).uid, 'block-admin');
  assert.deepEqual(ocsf.metadata.profiles, ['security_control']);
});

test('ocsf unknown method is Other', () => {
  const event = allowedEvent();
  event.http = { ...event.http, method: 'PROPFIND' };

  const ocsf = toOcsf(event);
  assert.equal(ocsf.activity_id, 99);
  assert.equal(ocsf.type_uid, 400299);
});

test('ocsf keeps ctxproc fields under unmapped', () => {
  const ocsf = toOcsf(allowedEvent());
  const unmapped = (ocsf.unmapped as any).ctxproc;

  assert.equal(unmapped.transaction_id, 'a1b2c3d4-1');
  assert.deepEqual({ ...unmapped.tags }, { team: 'payments' });
  assert.deepEqual(unmapped.rules.logged_by, ['log-unsuccessful']);
  assert.equal(unmapped.headers, undefined, 'request headers are mapped to http_headers, not copied');
});

test('ocsf formatter writes one JSON line', () => {
  const line = createFormatter('ocsf')(allowedEvent());

  assert.ok(!line.includes('\n'));
  assert.equal((JSON.parse(line) as Record<string, unknown>).class_uid, 4002);
});
