import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSecurityEvent } from '../../src/events/builder.js';
import { withBaseline } from '../../src/redaction/baseline.js';
import { rememberKnownSecrets } from '../../src/redaction/known-secrets.js';
import { MAX_KNOWN_SECRET_TOTAL_CHARS, MAX_KNOWN_SECRETS, Redactor } from '../../src/redaction/redactor.js';
import { logDecision, makeExchange, makeRecord, makeRequest } from '../events/fixtures.js';
import { makeSpec } from './helpers.js';

const CONTEXT = { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' as const } };

function manyTokens(count: number): string {
  return Array.from({ length: count }, (_, index) => `token=tok-${String(index).padStart(6, '0')}`).join('&');
}

describe('known secrets', () => {
  it('stop at the cap on a 40,000-parameter query', () => {
    const exchange = makeExchange(makeRequest(`/search?${manyTokens(40_000)}`, [['authorization', 'Bearer az-81cf3e7b2d']]));
    const redactor = new Redactor(withBaseline(makeSpec({ queryParams: ['token'] })));
    rememberKnownSecrets(redactor, exchange);
    assert.equal(redactor.knownSecretCount, MAX_KNOWN_SECRETS);

    const copy = redactor.text('ctxproc.fields.auth', 'az-81cf3e7b2d');
    assert.equal(copy, '[REDACTED:header]', 'the header registered before the query is kept');
  });

  it('build a 40,000-parameter event', () => {
    const exchange = makeExchange(makeRequest(`/search?${manyTokens(40_000)}`));
    const record = makeRecord(logDecision({ fields: { first: 'tok-000000' } }));
    record.redaction = makeSpec({ queryParams: ['token'] });
    const event = buildSecurityEvent(exchange, record, CONTEXT);

    assert.equal(event.ctxproc.fields?.first, '[REDACTED:query_param]');
    assert.ok(event.http?.url?.startsWith('https://shop.example/search?token=[REDACTED:query_param]&token=[REDACTED:query_param]'));
    assert.ok(!JSON.stringify(event).includes('tok-0'));
    const fields = event.ctxproc.redactions.map((entry) => `${entry.field} ${entry.reason}`);
    assert.equal(new Set(fields).size, fields.length);
  });

  it('keep each value once', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['token'] }));
    for (let index = 0; index < 1000; index += 1) {
      redactor.addKnownSecret('query_param', 'token', 'same-value');
    }
    assert.equal(redactor.knownSecretCount, 1);
  });

  it('stop at the total length cap', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['token'] }));
    const long = 'x'.repeat(MAX_KNOWN_SECRET_TOTAL_CHARS / 2);
    redactor.addKnownSecret('query_param', 'token', `a${long}`);
    redactor.addKnownSecret('query_param', 'token', `b${long}`);
    redactor.addKnownSecret('query_param', 'token', 'short-one');
    assert.equal(redactor.knownSecretCount, 2);
  });

  it('include the credentials after the scheme', () => {
    const basic = Buffer.from('alice:correct-horse').toString('base64');
    const exchange = makeExchange(makeRequest('/', [['authorization', 'Bearer\tmF_9.B5f-4.1JqM'], ['proxy-authorization', `Basic ${basic}`]]));
    const redactor = new Redactor(makeSpec({ headers: ['authorization', 'proxy-authorization'] }));
    rememberKnownSecrets(redactor, exchange);

    assert.equal(redactor.text('f', 'token was mF_9.B5f-4.1JqM'), 'token was [REDACTED:header]');
    assert.equal(redactor.text('f', `creds ${basic}`), 'creds [REDACTED:header]');
    assert.equal(redactor.text('f', 'pw correct-horse'), 'pw [REDACTED:header]');
  });

  it('include token-like cookies of a redacted cookie header', () => {
    const request = makeRequest('/', [['cookie', 'theme=dark-mode; sid=s-7f3a9c2e1b8d']]);
    const response = { code: 200, headers: [['set-cookie', 'refresh=r-0b1c2d3e4f; Path=/']] as Array<[string, string]>, body: null, trailers: null };
    const redactor = new Redactor(makeSpec({ headers: ['cookie', 'set-cookie'] }));
    rememberKnownSecrets(redactor, makeExchange(request, response));

    assert.equal(redactor.text('f', 's-7f3a9c2e1b8d dark-mode r-0b1c2d3e4f'), '[REDACTED:header] dark-mode [REDACTED:header]');
  });

  it('leave ordinary cookie values alone', () => {
    const request = makeRequest('/account/orders', [['cookie', 'returnTo=/account/orders; lastViewed=1234567']]);
    const redactor = new Redactor(makeSpec({ headers: ['cookie'] }));
    rememberKnownSecrets(redactor, makeExchange(request));

    assert.equal(redactor.knownSecretCount, 0);
    assert.equal(redactor.text('http.request.path', '/account/orders/1234567'), '/account/orders/1234567');
  });

  it('keep credentials ahead of many cookies', () => {
    const cookies = Array.from({ length: 80 }, (_, index) => `c${index}=v-${String(index).padStart(12, '0')}`).join('; ');
    const request = makeRequest('/', [['cookie', cookies], ['authorization', 'Bearer opaque-Tok3n-ZZ91c4e7']]);
    const redactor = new Redactor(makeSpec({ headers: ['cookie', 'authorization'] }));
    rememberKnownSecrets(redactor, makeExchange(request));

    assert.equal(redactor.text('ctxproc.fields.token', 'opaque-Tok3n-ZZ91c4e7'), '[REDACTED:header]');
  });

  it('include redacted trailers', () => {
    const request = makeRequest('/');
    request.trailers = [['x-api-key', 'ak_trailer_55c1']];
    const redactor = new Redactor(makeSpec({ headers: ['x-api-key'] }));
    rememberKnownSecrets(redactor, makeExchange(request));
    assert.equal(redactor.text('f', 'key ak_trailer_55c1'), 'key [REDACTED:header]');
  });

  it('match names in bracket form', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['password'] }));
    rememberKnownSecrets(redactor, makeExchange(makeRequest('/?user%5Bpassword%5D=hunter2-x')));
    assert.equal(redactor.knownSecretCount, 1);
  });
});

describe('userinfo in URL headers', () => {
  it('is masked where a rule copies it', () => {
    const request = makeRequest('/', [['referer', 'https://alice:RefPassw0rd77@shop.example/p?x=1']]);
    const redactor = new Redactor(makeSpec({}));
    rememberKnownSecrets(redactor, makeExchange(request));

    assert.equal(redactor.text('ctxproc.fields.ref', 'https://alice:RefPassw0rd77@shop.example/p'), 'https://alice:[REDACTED:userinfo]@shop.example/p');
    assert.equal(redactor.text('ctxproc.fields.login', 'alice:RefPassw0rd77'), 'alice:[REDACTED:userinfo]', 'the user stays readable');
  });
});
