// Event sections written by the security context actions: simulated changes,
// suppressed counts, detection payloads, the debug trace, set_field fields
// and JSON-path redaction of bodies, each redacted like the rest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSecurityEvent, type EventContext } from '../../src/events/builder.js';
import type { PayloadDecision } from '../../src/model/record.js';
import { body, logDecision, makeExchange, makeRecord, makeRequest } from './fixtures.js';

const CONTEXT: EventContext = { rulesVersion: 'sha256:abc', outcome: { blocked: false, streamEnd: 'completed' } };
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('rule output in events', () => {
  it('lists simulated changes', () => {
    const record = makeRecord();
    record.simulated.push({ rule: 'would-block', action: 'block', detail: 'block with status 403' });
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);

    assert.deepEqual(event.ctxproc.simulated, [{ rule: 'would-block', action: 'block', detail: 'block with status 403' }]);
    assert.equal(event.ctxproc.action, 'allowed');
  });

  it('reports suppressed counts', () => {
    const record = makeRecord(logDecision({ suppressed: [{ rule: 'noisy', count: 3 }, { rule: 'login', key: '192.0.2.1', count: 7 }] }));
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);

    assert.deepEqual(event.ctxproc.suppressed, [{ rule: 'noisy', count: 3 }, { rule: 'login', key: '192.0.2.1', count: 7 }]);
  });

  it('redacts a suppressed key', () => {
    const record = makeRecord(logDecision({ suppressed: [{ rule: 'per-token', key: `Bearer ${JWT}`, count: 1 }] }));
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);

    assert.equal(event.ctxproc.suppressed?.[0]?.key, 'Bearer [REDACTED:jwt]');
  });

  it('redacts payloads before cutting them', () => {
    const record = makeRecord();
    record.payloads.push(
      { rule: 'attach', class: 'sqli', detector: 'sqli.tokens', location: 'query.id', matched: "1' UNION SELECT password FROM users--", maxBytes: 12 },
      { rule: 'attach', class: 'xss', detector: 'xss.tags', location: 'body.comment', matched: `<script>fetch('/x?t=${JWT}')</script>`, maxBytes: 256 },
    );
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);
    const payloads = event.ctxproc.payloads!;

    assert.deepEqual(payloads[0], { rule: 'attach', class: 'sqli', detector: 'sqli.tokens', location: 'query.id', matched: "1' UNION ", truncated: true }, 'the word cut in half goes');
    assert.equal(payloads[1]?.matched, "<script>fetch('/x?t=[REDACTED:jwt]')</script>");
    assert.equal(payloads[1]?.truncated, false);
    assert.ok(!JSON.stringify(event).includes(JWT));
  });

  it('redacts encoded secrets in payloads', () => {
    const record = makeRecord();
    const payload = (matched: string): PayloadDecision => ({ rule: 'attach', class: 'sqli', detector: 'sqli.tokens', location: 'query.q', matched, maxBytes: 512 });
    record.payloads.push(
      payload(`UNION%20SELECT%20%27${JWT}%27--`),
      payload("UNION+SELECT+'Bearer+opaque-Tk55aZx9Lm'--"),
      payload('%27%20UNION%20SELECT%201%20WHERE%20cc%3D%274111111111111111%27--'),
    );

    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);
    const line = JSON.stringify(event);

    for (const secret of [JWT, 'opaque-Tk55aZx9Lm', '4111111111111111']) {
      assert.equal(line.includes(secret), false, `the event contains ${secret.slice(0, 6)}…`);
    }
    assert.equal(event.ctxproc.payloads?.[0]?.matched, "UNION SELECT '[REDACTED:jwt]'--", 'shown percent-decoded');
    assert.equal(event.ctxproc.payloads?.[1]?.matched, "UNION+SELECT+'Bearer+[REDACTED:bearer_token]'--");
  });

  it('masks a payload found in a redacted parameter, cookie or body field', () => {
    const record = makeRecord();
    record.redaction.cookies.add('session');
    record.redaction.sources.set('cookie:session', 'redact-session');
    const payload = (location: string, matched: string): PayloadDecision => ({ rule: 'attach', class: 'sqli', detector: 'sqli.tokens', location, matched, maxBytes: 512 });
    record.payloads.push(
      payload('query.password', "OR '1'='1D01"),
      payload('body.user.password', "x' OR 1=1-- secret-B02"),
      payload('cookie.session', "s3' UNION SELECT 1--"),
      payload('body.login.@password', "p' OR 1=1--"),
      payload('query.q', "' OR '1'='1"),
    );
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);
    const matched = event.ctxproc.payloads?.map((entry) => entry.matched);

    assert.deepEqual(matched, ['[REDACTED:query_param]', '[REDACTED:named_value]', '[REDACTED:cookie]', '[REDACTED:named_value]', "' OR '1'='1"]);
    assert.ok(event.ctxproc.redactions?.some((entry) => entry.field === 'ctxproc.payloads.matched' && entry.reason === 'cookie' && entry.rule === 'redact-session'));
  });

  it('drops a token cut at the payload limit', () => {
    const record = makeRecord();
    record.payloads.push({ rule: 'attach', class: 'xss', detector: 'xss.tags', location: 'query.q', matched: "<script>x='ak_live_51HqLyJ2eZvKYlo2C'</script>", maxBytes: 20 });

    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);

    assert.equal(event.ctxproc.payloads?.[0]?.matched, "<script>x='");
    assert.equal(event.ctxproc.payloads?.[0]?.truncated, true);
  });

  it('attaches the debug trace', () => {
    const record = makeRecord();
    record.trace = [{ rule: 'first', phase: 'request_headers', result: 'matched', micros: 12 }, { rule: 'second', phase: 'end', result: 'error', micros: 3 }];
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);

    assert.deepEqual(event.ctxproc.debug, { trace: record.trace });
  });

  it('leaves absent sections out', () => {
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), makeRecord(), CONTEXT);

    for (const key of ['simulated', 'suppressed', 'payloads', 'debug'] as const) {
      assert.equal(key in event.ctxproc, false, `${key} should be absent`);
    }
  });

  it('merges set_field fields over log fields', () => {
    const record = makeRecord(logDecision({ fields: { route: '/a', team: 'old' } }));
    record.fields = { team: 'payments', limit: 5 };
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);

    assert.deepEqual({ ...event.ctxproc.fields }, { route: '/a', team: 'payments', limit: 5 });
  });

  it('masks a set_field that read a redacted header', () => {
    const record = makeRecord();
    record.fields = { auth: 'secret-part' };
    record.fieldHeaders = { auth: ['authorization'] };
    const event = buildSecurityEvent(makeExchange(makeRequest('/', [['authorization', 'Basic c2VjcmV0LXBhcnQ=']])), record, CONTEXT);

    assert.equal(event.ctxproc.fields?.auth, '[REDACTED:header]');
  });

  it('masks JSON-path targets in bodies', () => {
    const record = makeRecord(logDecision({ includeRequestBody: 1000 }));
    record.redaction.jsonPaths = new Set(['$.user.ssn']);
    record.redaction.sources.set('json_path:$.user.ssn', 'pii');
    record.redaction.styles = new Map([['json_path:$.user.ssn', { mode: 'partial' }]]);
    const request = makeRequest('/signup', [['content-type', 'application/json']], 'POST');
    request.body = body(JSON.stringify({ user: { name: 'ada', ssn: 'SSN 123-45-6789' } }));
    const event = buildSecurityEvent(makeExchange(request), record, CONTEXT);

    assert.equal(event.ctxproc.body?.request?.content, '{"user":{"name":"ada","ssn":"[REDACTED:json_path:last4=6789]"}}');
    assert.ok(event.ctxproc.redactions.some((entry) => entry.field === 'http.request.body.user.ssn' && entry.reason === 'json_path' && entry.rule === 'pii'));
  });
});
