import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactFormText, redactHeader, redactRequestTarget, redactUrlValue } from '../../src/redaction/http-redaction.js';
import { withBaseline } from '../../src/redaction/baseline.js';
import { Redactor } from '../../src/redaction/redactor.js';
import { ALL_DETECTORS, makeSpec } from './helpers.js';

const CARD = '4111111111111111';

function fieldsOf(redactor: Redactor): string[] {
  return redactor.entries().map((entry) => `${entry.field} ${entry.reason}`);
}

describe('redactHeader', () => {
  it('masks a header named by a rule', () => {
    const redactor = new Redactor(makeSpec({ headers: ['authorization'] }));
    assert.equal(redactHeader(redactor, 'request', 'Authorization', 'Bearer abc'), '[REDACTED:header]');
    assert.deepEqual(fieldsOf(redactor), ['http.request.headers.authorization header']);
  });

  it('masks headers named by credential words', () => {
    const redactor = new Redactor(withBaseline(makeSpec({})));
    const secrets = ['x-password', 'x-db-password', 'x-client-secret', 'private-token', 'x-vault-token', 'api-key', 'x-goog-api-key', 'x-csrf-token', 'x-shopify-access-token', 'ocp-apim-subscription-key', 'token', 'password', 'secret', 'x-forwarded-authorization', 'dd-api-key', 'dd-application-key'];

    for (const name of secrets) {
      assert.match(redactHeader(redactor, 'request', name, 'v4lue-s3cret'), /^\[REDACTED:/, name);
    }
  });

  it('keeps headers whose words name no credential', () => {
    const redactor = new Redactor(withBaseline(makeSpec({})));

    for (const name of ['x-token-type', 'sec-websocket-key', 'x-api-version', 'content-type']) {
      assert.equal(redactHeader(redactor, 'request', name, 'v4lue'), 'v4lue', name);
    }
  });

  it('masks Bearer and Basic credentials by detector', () => {
    const redactor = new Redactor(makeSpec({ detectors: ALL_DETECTORS }));
    const basic = Buffer.from('user:pass').toString('base64');
    assert.equal(redactHeader(redactor, 'request', 'x-upstream-auth', 'Bearer abc.def'), 'Bearer [REDACTED:bearer_token]');
    assert.equal(redactHeader(redactor, 'request', 'x-forwarded-auth', `Basic ${basic}`), 'Basic [REDACTED:basic_credentials]');
  });

  it('masks named cookies and keeps the others', () => {
    const redactor = new Redactor(makeSpec({ cookies: ['session'] }));
    assert.equal(redactHeader(redactor, 'request', 'cookie', 'theme=dark; session=s3cr3t; lang=en'), 'theme=dark; session=[REDACTED:cookie]; lang=en');
    assert.deepEqual(fieldsOf(redactor), ['http.request.cookies.session cookie']);
  });

  it('masks a named cookie in Set-Cookie and keeps its attributes', () => {
    const redactor = new Redactor(makeSpec({ cookies: ['SESSION'] }));
    const output = redactHeader(redactor, 'response', 'set-cookie', 'session=s3cr3t; Path=/; HttpOnly; Secure');
    assert.equal(output, 'session=[REDACTED:cookie]; Path=/; HttpOnly; Secure');
    assert.deepEqual(fieldsOf(redactor), ['http.response.cookies.session cookie']);
  });

  it('masks query parameters in a Referer', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['access_token'] }));
    const output = redactHeader(redactor, 'request', 'referer', 'https://app.example/cb?access_token=t0k&x=1#top');
    assert.equal(output, 'https://app.example/cb?access_token=[REDACTED:query_param]&x=1#top');
    assert.deepEqual(fieldsOf(redactor), ['http.request.headers.referer query_param']);
  });
});

describe('redactRequestTarget', () => {
  it('masks parameters by decoded name', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['token'] }));
    const target = redactRequestTarget(redactor, '/api', 'tok%65n=abc&page=2&page=3');
    assert.equal(target.query, 'tok%65n=[REDACTED:query_param]&page=2&page=3');
    assert.deepEqual({ ...target.queryString }, { token: '[REDACTED:query_param]', page: ['2', '3'] });
    assert.deepEqual(fieldsOf(redactor), ['http.request.query.token query_param']);
  });

  it('finds a card number written with encoded spaces', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }));
    const target = redactRequestTarget(redactor, '/pay', 'pan=4111%201111%201111%201111&q=a+b');
    assert.equal(target.query, 'pan=[REDACTED:card_number]&q=a+b');
    assert.equal(target.queryString.pan, '[REDACTED:card_number]');
    assert.equal(target.queryString.q, 'a b');
  });

  it('finds a card number in an encoded path', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }));
    const target = redactRequestTarget(redactor, '/cards/4111%201111%201111%201111/x', '');
    assert.equal(target.path, '/cards/[REDACTED:card_number]/x');
    assert.deepEqual(fieldsOf(redactor), ['http.request.path card_number']);
  });

  it('keeps a parameter named __proto__ as data', () => {
    const redactor = new Redactor(makeSpec({}));
    const target = redactRequestTarget(redactor, '/', '__proto__=x');
    assert.equal(Object.getPrototypeOf(target.queryString), null);
    assert.equal(JSON.stringify(target.queryString), '{"__proto__":"x"}');
  });

  it('tolerates malformed escapes', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['a'] }));
    const target = redactRequestTarget(redactor, '/%zz', 'a=%E0%A4%A&b=%');
    assert.equal(target.path, '/%zz');
    assert.equal(target.query, 'a=[REDACTED:query_param]&b=%');
  });
});

describe('redactUrlValue and redactFormText', () => {
  it('masks a JWT in a Location fragment', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['jwt'] }));
    const output = redactUrlValue(redactor, 'http.response.headers.location', 'https://a.example/#id_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.');
    assert.equal(output, 'https://a.example/#id_token=[REDACTED:jwt]');
  });

  it('masks fragment parameters by name', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['access_token', 'id_token'] }));
    const output = redactUrlValue(redactor, 'http.request.headers.referer', 'https://a.example/cb#access_token=at-5f2c9e1b7d&token_type=bearer&id_token=it-8a3d6f0c2e');
    assert.equal(output, 'https://a.example/cb#access_token=[REDACTED:query_param]&token_type=bearer&id_token=[REDACTED:query_param]');
    assert.deepEqual(redactor.entries(), [{ field: 'http.request.headers.referer', reason: 'query_param', rule: 'redact-secrets' }]);
  });

  it('masks fragment parameters after a route', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['access_token'] }));
    const output = redactUrlValue(redactor, 'http.response.headers.location', 'https://a.example/#/callback?access_token=at-5f2c9e1b7d&state=xyz');
    assert.equal(output, 'https://a.example/#/callback?access_token=[REDACTED:query_param]&state=xyz');
  });

  it('keeps a fragment without parameters', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['access_token'] }));
    assert.equal(redactUrlValue(redactor, 'http.request.headers.referer', 'https://a.example/docs#section-2'), 'https://a.example/docs#section-2');
  });

  it('masks bracketed form field names', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['password', 'token'] }));
    const output = redactFormText(redactor, 'http.request.body', 'user[name]=ada&user[password]=hunter2&token[]=t1&a[b][TOKEN]=t2', 10_000);
    assert.equal(output, 'user[name]=ada&user[password]=[REDACTED:named_value]&token[]=[REDACTED:named_value]&a[b][TOKEN]=[REDACTED:named_value]');
  });

  it('masks form fields by name and card numbers with plus signs', () => {
    const redactor = new Redactor(makeSpec({ queryParams: ['password'], detectors: ['card_number'] }));
    const output = redactFormText(redactor, 'http.request.body', `user=ada&password=hunter2&pan=${CARD.replace(/(\d{4})(?=\d)/g, '$1+')}`, 10_000);
    assert.equal(output, 'user=ada&password=[REDACTED:named_value]&pan=[REDACTED:card_number]');
  });
});

describe('URL headers with userinfo', () => {
  it('mask the password only', () => {
    const redactor = new Redactor(makeSpec({}));
    const output = redactUrlValue(redactor, 'http.request.headers.referer', 'https://ada:hunter2-Secret!x@intranet.example/page?x=1');

    assert.equal(output, 'https://ada:[REDACTED:userinfo]@intranet.example/page?x=1');
    assert.deepEqual(redactor.entries(), [{ field: 'http.request.headers.referer', reason: 'userinfo', rule: 'ctxproc.baseline' }]);
  });

  it('drop a user without a password', () => {
    const redactor = new Redactor(makeSpec({}));
    const output = redactUrlValue(redactor, 'http.request.headers.referer', 'https://ghp-token-7a8b9c@git.example/repo');

    assert.equal(output, 'https://git.example/repo');
    assert.deepEqual(redactor.entries(), [{ field: 'http.request.headers.referer.userinfo', reason: 'userinfo', rule: 'ctxproc.baseline' }]);
  });

  it('mask the password of an encoded path', () => {
    const redactor = new Redactor(makeSpec({}));
    const output = redactUrlValue(redactor, 'http.request.headers.location', 'https://ada:pw-%41bc-77@intranet.example/a%20b');

    assert.equal(output, 'https://ada:[REDACTED:userinfo]@intranet.example/a%20b');
  });
});
