// Leaks that the builder must close whatever the rules contain: the baseline
// redaction, userinfo in the authority, copies of parts of secrets, and a
// client address that is not an IP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSecurityEvent, type EventContext } from '../../src/events/builder.js';
import { BASELINE_RULE } from '../../src/redaction/baseline.js';
import { redactionSourceKey } from '../../src/redaction/redactor.js';
import { body, logDecision, makeExchange, makeRecord, makeRequest, makeResponse } from './fixtures.js';

const CONTEXT: EventContext = { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } };
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl';
const CARD = '4111111111111111';

function entriesOf(event: ReturnType<typeof buildSecurityEvent>): string[] {
  return event.ctxproc.redactions.map((entry) => `${entry.field} ${entry.reason} ${entry.rule}`);
}

describe('baseline redaction', () => {
  it('applies without a redact rule', () => {
    const request = makeRequest(`/pay?pan=${CARD}`, [['authorization', 'Digest opaque-credentials'], ['x-api-key', 'ak_live_1234'], ['cookie', 'sid=s-1234567']]);
    const record = makeRecord(logDecision({ includeHeaders: 'all', fields: { note: `Bearer\t${JWT}` } }));
    const event = buildSecurityEvent(makeExchange(request, makeResponse(500, [['set-cookie', 'sid=s-7654321']])), record, CONTEXT);
    const text = JSON.stringify(event);

    for (const secret of ['opaque-credentials', 'ak_live_1234', 's-1234567', 's-7654321', CARD, JWT]) {
      assert.ok(!text.includes(secret), `event contains ${secret.slice(0, 4)}…`);
    }
    const entries = entriesOf(event);
    assert.ok(entries.includes(`http.request.headers.authorization header ${BASELINE_RULE}`));
    assert.ok(entries.includes(`http.request.query.pan card_number ${BASELINE_RULE}`));
    assert.ok(entries.includes(`ctxproc.fields.note jwt ${BASELINE_RULE}`));
  });

  it('masks credential query parameters', () => {
    const request = makeRequest('/cb?access_token=at-7Hq2Lx9P&client_secret=cs-4Rt8Zw1K&page=2');
    const record = makeRecord(logDecision({ fields: { copy: 'client_secret=cs-4Rt8Zw1K' } }));
    const event = buildSecurityEvent(makeExchange(request, makeResponse(401)), record, CONTEXT);
    const text = JSON.stringify(event);

    assert.ok(!text.includes('at-7Hq2Lx9P'));
    assert.ok(!text.includes('cs-4Rt8Zw1K'));
    assert.ok(text.includes('page=2'));
    assert.ok(entriesOf(event).includes(`http.request.query.access_token query_param ${BASELINE_RULE}`));
  });

  it('keeps the rule id a rule also names', () => {
    const record = makeRecord(logDecision({ includeHeaders: 'all' }));
    record.redaction.headers.add('authorization');
    record.redaction.sources.set(redactionSourceKey('header', 'authorization'), 'redact-auth');
    const event = buildSecurityEvent(makeExchange(makeRequest('/', [['authorization', 'Bearer t']])), record, CONTEXT);
    assert.deepEqual(entriesOf(event), ['http.request.headers.authorization header redact-auth']);
  });

  it('is not removed by the record', () => {
    const record = makeRecord(logDecision({ includeHeaders: ['accept'] }));
    record.redaction.detectors.clear();
    const event = buildSecurityEvent(makeExchange(makeRequest('/', [['proxy-authorization', 'Basic YTpi']])), record, CONTEXT);
    assert.equal(event.ctxproc.headers?.request?.['proxy-authorization'], '[REDACTED:header]');
    assert.equal(record.redaction.headers.size, 0, 'the record is left unchanged');
  });
});

describe('named pairs in the event', () => {
  it('masks pairs in text bodies and copied fields', () => {
    const request = makeRequest('/login', [['content-type', 'text/plain']], 'POST');
    request.body = body('user=ada password=hunter2-Secret! token[]=qt-91c4e7a2');
    const record = makeRecord(logDecision({
      includeRequestBody: 1024,
      fields: { body: '{"user":"ada","password":"hunter2-Secret!"}', query: 'a[b][token]=qt-55d2e8f1&page=2' },
    }));
    record.redaction.queryParams.add('password').add('token');
    const event = buildSecurityEvent(makeExchange(request, makeResponse(401)), record, CONTEXT);
    const text = JSON.stringify(event);

    assert.ok(!text.includes('hunter2'));
    assert.ok(!text.includes('qt-'));
    assert.equal(event.ctxproc.body?.request?.content, 'user=ada password=[REDACTED:named_value] token[]=[REDACTED:named_value]');
    assert.equal(event.ctxproc.fields?.query, 'a[b][token]=[REDACTED:named_value]&page=2');
  });

  it('masks a body without content type', () => {
    const request = makeRequest('/', [], 'POST');
    request.body = body('{"password": "hunter2-Secret!"}');
    const record = makeRecord(logDecision({ includeRequestBody: 1024 }));
    record.redaction.queryParams.add('password');
    const event = buildSecurityEvent(makeExchange(request, makeResponse(400)), record, CONTEXT);
    assert.equal(event.ctxproc.body?.request?.content, '{"password": "[REDACTED:named_value]"}');
  });
});

describe('parts of secrets', () => {
  it('masks a header copy without its scheme', () => {
    const record = makeRecord(logDecision({ fields: { bearer_part: 'opaque-Tk55aZx9', copied: 'sess-7f3a9c2e' } }));
    const request = makeRequest('/', [['authorization', 'Bearer opaque-Tk55aZx9'], ['cookie', 'theme=dark; session=sess-7f3a9c2e']]);
    const event = buildSecurityEvent(makeExchange(request, makeResponse(403)), record, CONTEXT);
    assert.deepEqual({ ...event.ctxproc.fields }, { bearer_part: '[REDACTED:header]', copied: '[REDACTED:header]' });
  });
});

describe('authority userinfo', () => {
  it('is dropped from the url and host', () => {
    const request = makeRequest('/a');
    request.host = 'admin:pa55-w0rd-x@shop.example:8443';
    const record = makeRecord(logDecision({ fields: { host: request.host } }));
    const event = buildSecurityEvent(makeExchange(request, makeResponse(404)), record, CONTEXT);

    assert.equal(event.http?.url, 'https://shop.example:8443/a');
    assert.equal(event.http?.url_details?.host, 'shop.example');
    assert.ok(!JSON.stringify(event).includes('pa55-w0rd-x'));
    assert.ok(entriesOf(event).includes(`http.request.url.userinfo userinfo ${BASELINE_RULE}`));
  });
});

describe('client address', () => {
  it('is left out when not an IP', () => {
    const exchange = makeExchange(makeRequest('/'), makeResponse(500));
    exchange.source = { address: 'evil"; DROP', port: 1234 };
    const event = buildSecurityEvent(exchange, makeRecord(), CONTEXT);
    assert.deepEqual(event.network, { destination: { ip: '10.0.0.5', port: 8080 } });
  });

  it('keeps an IPv6 literal', () => {
    const exchange = makeExchange(makeRequest('/'), makeResponse(500));
    exchange.source = { address: '2001:db8::7', port: 443 };
    const event = buildSecurityEvent(exchange, makeRecord(), CONTEXT);
    assert.deepEqual(event.network?.client, { ip: '2001:db8::7', port: 443 });
  });
});

describe('log fields that transform a redacted header', () => {
  it('are masked whole', () => {
    const exchange = makeExchange(makeRequest('/', [['authorization', 'Bearer opaqueTok3nZZ91c4e7a2b8d0f']]), makeResponse(401));
    const record = makeRecord(
      logDecision({
        fields: { token_part: 'opaqueTok3nZZ91c4e7a2', route: '/' },
        fieldHeaders: { token_part: ['authorization'], route: [] },
      }),
    );
    const event = buildSecurityEvent(exchange, record, { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } });

    assert.equal(event.ctxproc.fields?.token_part, '[REDACTED:header]');
    assert.equal(event.ctxproc.fields?.route, '/');
    assert.ok(event.ctxproc.redactions.some((entry) => entry.field === 'ctxproc.fields.token_part'));
  });
});

describe('body cut inside a provider token', () => {
  const token = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

  it('logs no part of it', () => {
    const captured = Buffer.from(`${' '.repeat(90)}${token}`).subarray(0, 110);
    const request = makeRequest('/upload', [['content-type', 'text/plain']], 'POST');
    request.body = body(captured, { size: 200, truncated: true, complete: false });
    const record = makeRecord(logDecision({ includeRequestBody: 1024 }));

    const event = buildSecurityEvent(makeExchange(request, makeResponse(500)), record, CONTEXT);

    assert.equal(event.ctxproc.body?.request?.truncated, true);
    assert.equal(event.ctxproc.body?.request?.content, ' '.repeat(90));
    assert.equal(JSON.stringify(event).includes('ghp_A1b2'), false);
  });

  it('logs no part of it at the byte limit', () => {
    const request = makeRequest('/upload', [['content-type', 'application/json']], 'POST');
    request.body = body(JSON.stringify({ note: `line one\n${token}` }));
    const record = makeRecord(logDecision({ includeRequestBody: 30 }));

    const event = buildSecurityEvent(makeExchange(request, makeResponse(500)), record, CONTEXT);

    assert.equal(event.ctxproc.body?.request?.content, '{"note":"line one\\n');
    assert.equal(JSON.stringify(event).includes('ghp_A1b2'), false);
  });
});

describe('provider token after a JSON escape', () => {
  it('is masked in a raw JSON body', () => {
    const token = 'npm_Zx81Qw0eRt2Yu4Io6Pa8Sd1Fg3Hj5Kl7Mn9B';
    const request = makeRequest('/log', [['content-type', 'application/json']], 'POST');
    request.body = body(JSON.stringify({ note: `col\t${token}` }));
    const record = makeRecord(logDecision({ includeRequestBody: 1024 }));

    const event = buildSecurityEvent(makeExchange(request, makeResponse(500)), record, CONTEXT);

    assert.equal(event.ctxproc.body?.request?.content, '{"note":"col\\t[REDACTED:provider_token]"}');
  });
});
