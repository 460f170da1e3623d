// The baseline masks credential headers and query parameters with no redact
// rule at all, in the spellings APIs use.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildSecurityEvent } from '../../src/events/builder.js';
import { logDecision, makeExchange, makeRecord, makeRequest } from '../events/fixtures.js';
import { makeSpec } from './helpers.js';

const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEFIaCXVzLWVhc3QtMSJHMEUCIQ';
const AUTH_TOKEN = 'at-93hf02kd81mz';
const HYPHEN_TOKEN = 'hy-72kq0w81nb';
const AUTH_PARAM = 'ap-5ud8s02mxk';
const CAMEL_TOKEN = 'ct-0s8d7f6g5h';
const SESSION_ID = 'F3A9C2E7B1D04A6E';

it('masks credential names without rules', () => {
  const request = makeRequest(`/callback?access-token=${HYPHEN_TOKEN}&auth_token=${AUTH_PARAM}&accessToken=${CAMEL_TOKEN}&JSESSIONID=${SESSION_ID}&page=2`, [
    ['x-amz-security-token', SESSION_TOKEN],
    ['x-auth-token', AUTH_TOKEN],
    ['accept', 'application/json'],
  ]);
  const record = makeRecord(logDecision({ includeHeaders: 'all' }));
  record.redaction = makeSpec({});

  const event = buildSecurityEvent(makeExchange(request), record, { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } });
  const line = JSON.stringify(event);

  for (const secret of [SESSION_TOKEN, AUTH_TOKEN, HYPHEN_TOKEN, AUTH_PARAM, CAMEL_TOKEN, SESSION_ID]) {
    assert.equal(line.includes(secret), false, `the event contains ${secret.slice(0, 3)}…`);
  }
  assert.ok(line.includes('page=2'), 'other parameters stay');
  assert.ok(line.includes('application/json'), 'other headers stay');
  const reasons = new Set(event.ctxproc.redactions.map((entry) => `${entry.reason} ${entry.rule}`));
  assert.ok(reasons.has('header ctxproc.baseline'));
  assert.ok(reasons.has('query_param ctxproc.baseline'));
});
