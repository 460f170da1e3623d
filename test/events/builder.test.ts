import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSecurityEvent, type EventContext } from '../../src/events/builder.js';
import { EVENT_NAME, SCHEMA_VERSION } from '../../src/events/security-event.js';
import { redactionSourceKey } from '../../src/redaction/redactor.js';
import { body, logDecision, makeExchange, makeRecord, makeRequest, makeResponse, START_MS } from './fixtures.js';

const CONTEXT: EventContext = { rulesVersion: 'sha256:abc', outcome: { blocked: false, streamEnd: 'completed' } };

function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('buildSecurityEvent', () => {
  it('fills reserved and standard attributes', () => {
    const request = makeRequest('/orders/9?page=2', [['user-agent', 'curl/8.5'], ['x-request-id', 'req-1'], ['referer', 'https://shop.example/']]);
    const event = buildSecurityEvent(makeExchange(request, makeResponse(404)), makeRecord(), { ...CONTEXT, env: 'prod', version: '1.2.3' });

    assert.equal(event.timestamp, new Date(START_MS).toISOString());
    assert.equal(event.status, 'warn');
    assert.equal(event.message, 'GET /orders/9 404');
    assert.equal(event.service, 'ctxproc');
    assert.deepEqual(plain(event.http), {
      method: 'GET',
      url: 'https://shop.example/orders/9?page=2',
      status_code: 404,
      useragent: 'curl/8.5',
      request_id: 'req-1',
      referer: 'https://shop.example/',
      version: '2',
      url_details: { host: 'shop.example', path: '/orders/9', queryString: { page: '2' }, scheme: 'https' },
    });
    assert.deepEqual(event.network, { client: { ip: '203.0.113.9', port: 51234 }, destination: { ip: '10.0.0.5', port: 8080 } });
    assert.equal(event.duration, 12_345_678);
    assert.deepEqual(event.evt, { name: EVENT_NAME, outcome: 'failure' });
    assert.deepEqual(event.dd, { env: 'prod', version: '1.2.3' });
  });

  it('fills ctxproc attributes', () => {
    const record = makeRecord(logDecision({ rules: ['log-404'], message: 'not found' }));
    record.matched.unshift('tag-api');
    record.tags = { team: 'orders' };
    const event = buildSecurityEvent(makeExchange(makeRequest('/x'), makeResponse(404)), record, { ...CONTEXT, notes: ['response body skipped'] });

    assert.equal(event.message, 'not found');
    assert.deepEqual(plain(event.ctxproc), {
      kind: 'security_event',
      schema_version: SCHEMA_VERSION,
      transaction_id: 'a1b2c3d4-1',
      rules_version: 'sha256:abc',
      rules: { matched: ['tag-api', 'log-404'], logged_by: ['log-404'] },
      action: 'allowed',
      tags: { team: 'orders' },
      redactions: [],
      stream_end: 'completed',
      notes: ['response body skipped'],
    });
  });

  it('writes integers for status code and duration', () => {
    const event = buildSecurityEvent(makeExchange(makeRequest('/'), makeResponse(200)), makeRecord(), CONTEXT);
    const line = JSON.parse(JSON.stringify(event)) as { http: { status_code: unknown }; duration: unknown };
    assert.ok(Number.isInteger(line.http.status_code));
    assert.ok(Number.isInteger(line.duration));
    assert.equal(event.status, 'info');
    assert.equal(event.evt.outcome, 'success');
  });

  it('leaves out what is unknown', () => {
    const exchange = makeExchange(makeRequest('/'));
    exchange.source = null;
    exchange.destination = null;
    exchange.attributes = {};
    const event = buildSecurityEvent(exchange, makeRecord(null), CONTEXT);
    const json = plain(event) as unknown as Record<string, Record<string, unknown>>;

    assert.equal('status_code' in json.http!, false);
    assert.equal('useragent' in json.http!, false);
    assert.equal('version' in json.http!, false);
    assert.equal('queryString' in (json.http!.url_details as object), false);
    assert.equal('network' in json, false);
    assert.equal('dd' in json, false);
    assert.equal('outcome' in json.evt!, false);
    for (const key of ['blocked_by', 'tags', 'fields', 'headers', 'body', 'notes', 'rule_errors']) {
      assert.equal(key in json.ctxproc!, false, key);
    }
    assert.equal(event.message, 'GET /');
  });

  it('describes a transaction without request headers', () => {
    const event = buildSecurityEvent(makeExchange(null), makeRecord(null), { ...CONTEXT, outcome: { blocked: false, streamEnd: 'completed' } });
    assert.equal('http' in event, false);
    assert.equal(event.status, 'info');
    assert.equal(event.message, 'transaction a1b2c3d4-1 ended before its request headers arrived');
  });

  it('reports a block', () => {
    const record = makeRecord();
    record.block = { status: 403, headers: [], body: 'denied', rule: 'block-sqli' };
    const event = buildSecurityEvent(makeExchange(makeRequest('/login')), record, { ...CONTEXT, outcome: { blocked: true, streamEnd: 'completed' } });

    assert.equal(event.ctxproc.action, 'blocked');
    assert.equal(event.ctxproc.blocked_by, 'block-sqli');
    assert.equal(event.http?.status_code, 403);
    assert.equal(event.status, 'warn');
    assert.equal(event.evt.outcome, 'failure');
  });

  it('derives trace ids from the request', () => {
    const request = makeRequest('/', [['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]);
    const event = buildSecurityEvent(makeExchange(request, makeResponse(200)), makeRecord(), CONTEXT);
    assert.deepEqual(event.dd, { trace_id: '11803532876627986230', span_id: '67667974448284343' });
  });

  it('splits the port from the authority', () => {
    const request = makeRequest('/');
    request.host = '[2001:db8::1]:8443';
    const event = buildSecurityEvent(makeExchange(request), makeRecord(), CONTEXT);
    assert.equal(event.http?.url, 'https://[2001:db8::1]:8443/');
    assert.deepEqual(plain(event.http?.url_details), { host: '[2001:db8::1]', port: 8443, path: '/', scheme: 'https' });
  });

  it('shows included headers and every redacted one', () => {
    const request = makeRequest('/', [['accept', 'a'], ['accept', 'b'], ['authorization', 'Bearer t'], ['x-other', 'o']]);
    const record = makeRecord(logDecision({ includeHeaders: ['accept'] }));
    record.redaction.headers.add('authorization');
    record.redaction.sources.set(redactionSourceKey('header', 'authorization'), 'redact-auth');
    const event = buildSecurityEvent(makeExchange(request, makeResponse(200)), record, CONTEXT);

    assert.deepEqual(plain(event.ctxproc.headers), { request: { accept: ['a', 'b'], authorization: '[REDACTED:header]' } });
    assert.deepEqual(event.ctxproc.redactions, [{ field: 'http.request.headers.authorization', reason: 'header', rule: 'redact-auth' }]);
  });

  it('leaves pseudo-headers out of the header list', () => {
    const event = buildSecurityEvent(makeExchange(makeRequest('/?a=1'), makeResponse(200)), makeRecord(logDecision({ includeHeaders: 'all' })), CONTEXT);
    assert.deepEqual(Object.keys(event.ctxproc.headers?.request ?? {}), []);
    assert.deepEqual(Object.keys(event.ctxproc.headers?.response ?? {}), []);
  });

  it('includes bodies cut to the rule limit', () => {
    const request = makeRequest('/', [['content-type', 'application/json']]);
    request.body = body('{"name":"abcdefghij"}');
    const response = makeResponse(200);
    response.body = body('ok', { truncated: false });
    const record = makeRecord(logDecision({ includeRequestBody: 10, includeResponseBody: 100 }));
    const event = buildSecurityEvent(makeExchange(request, response), record, CONTEXT);

    assert.deepEqual(event.ctxproc.body, {
      request: { content: '{"name":"a', size: 21, truncated: true },
      response: { content: 'ok', size: 2, truncated: false },
    });
  });

  it('marks a body truncated by the capture limit', () => {
    const request = makeRequest('/');
    request.body = body('partial body, cut inside a wor', { size: 70_000, truncated: true });
    const event = buildSecurityEvent(makeExchange(request), makeRecord(logDecision({ includeRequestBody: 1024 })), CONTEXT);
    assert.deepEqual(event.ctxproc.body?.request, { content: 'partial body, cut inside a ', size: 70_000, truncated: true });
  });

  it('hides a JWT or key id cut by the capture limit', () => {
    // The JWT's header and claims still read as a token without its signature, so it is masked. The key id is dropped.
    for (const [cut, kept] of [['{"t":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn', '{"t":"[REDACTED:jwt]'], ['key id: AKIAIOSFODNN7EXAMPL', 'key id: ']]) {
      const request = makeRequest('/');
      request.body = body(cut!, { size: 70_000, truncated: true });

      const event = buildSecurityEvent(makeExchange(request), makeRecord(logDecision({ includeRequestBody: 1024 })), CONTEXT);

      assert.equal(event.ctxproc.body?.request?.content, kept);
    }
  });

  it('masks an unsigned JWT that ends a whole body', () => {
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const claims = Buffer.from('{"sub":"123"}').toString('base64url');
    for (const text of [`${header}.${claims}.`, `token ${header}.${claims}.`, `{"t":"${header}.${claims}."}`]) {
      const request = makeRequest('/');
      request.body = body(text);

      const event = buildSecurityEvent(makeExchange(request), makeRecord(logDecision({ includeRequestBody: 1024 })), CONTEXT);

      const content = event.ctxproc.body?.request?.content ?? '';
      assert.ok(!content.includes(header), content);
      assert.ok(!content.includes(claims), content);
      assert.match(content, /\[REDACTED:jwt\]/);
    }
  });

  it('logs no part of a JWT longer than the scan window', () => {
    // The redactor scans the first 1024 + 4096 characters, which end inside these claims.
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const claims = Buffer.from(JSON.stringify({ sub: '123', data: 'x'.repeat(6000) })).toString('base64url');
    for (const signature of ['', 'c2lnbmF0dXJl']) {
      const request = makeRequest('/');
      request.body = body(`token ${header}.${claims}.${signature}`);

      const event = buildSecurityEvent(makeExchange(request), makeRecord(logDecision({ includeRequestBody: 1024 })), CONTEXT);

      assert.equal(event.ctxproc.body?.request?.content, 'token [REDACTED:jwt]');
      assert.equal(event.ctxproc.body?.request?.truncated, true);
    }
  });

  it('leaves binary bodies out', () => {
    const request = makeRequest('/');
    request.body = body(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe]));
    const event = buildSecurityEvent(makeExchange(request), makeRecord(logDecision({ includeRequestBody: 1024 })), CONTEXT);
    assert.deepEqual(event.ctxproc.body?.request, { size: 6, truncated: true, encoding: 'binary' });
  });

  it('lists at most 20 rule errors', () => {
    const record = makeRecord();
    for (let index = 0; index < 23; index += 1) {
      record.ruleErrors.push({ rule: `r${index}`, message: 'no such key' });
    }

    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, CONTEXT);

    assert.equal(event.ctxproc.rule_errors?.length, 20);
    assert.equal(event.ctxproc.rule_errors?.[19]?.rule, 'r19');
    assert.deepEqual(event.ctxproc.notes, ['3 more rule errors were left out of rule_errors, which lists the first 20; ctxproc_rule_errors_total counts each by rule']);
  });

  it('omits bodies the log decision does not include', () => {
    const request = makeRequest('/');
    request.body = body('hello');
    const event = buildSecurityEvent(makeExchange(request), makeRecord(), CONTEXT);
    assert.equal(event.ctxproc.body, undefined);
  });

  it('redacts rule errors and notes', () => {
    const record = makeRecord();
    record.redaction.detectors.add('card_number');
    record.ruleErrors.push({ rule: 'r1', message: 'no such key: 4111111111111111' });
    const event = buildSecurityEvent(makeExchange(makeRequest('/')), record, { ...CONTEXT, notes: ['saw 4111 1111 1111 1111'] });

    assert.deepEqual(event.ctxproc.rule_errors, [{ rule: 'r1', message: 'no such key: [REDACTED:card_number]' }]);
    assert.deepEqual(event.ctxproc.notes, ['saw [REDACTED:card_number]']);
    assert.equal(event.status, 'warn');
  });

  it('notes values cut to the length limit', () => {
    const request = makeRequest('/', [['user-agent', 'abcdefghi '.repeat(500)]]);
    const event = buildSecurityEvent(makeExchange(request), makeRecord(), { ...CONTEXT, redaction: { maxValueChars: 100 } });
    assert.equal(event.http?.useragent?.length, 100 + '[TRUNCATED]'.length);
    assert.deepEqual(event.ctxproc.notes, ['1 value longer than 100 characters was cut']);
  });
});
