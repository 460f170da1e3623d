// Secrets outside `name=value` and JSON pairs: `password: x` in free text
// and YAML bodies, the password of a URL's userinfo, and detection payloads
// whose excerpt starts after the name of the secret it contains. Each
// transaction runs through the shipped default rules and a rule that logs
// everything, with the real engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildSecurityEvent, type EventContext } from '../../src/events/builder.js';
import type { SecurityEvent } from '../../src/events/security-event.js';
import type { Exchange, HeaderList } from '../../src/model/exchange.js';
import { Phase } from '../../src/model/phase.js';
import { newTransactionRecord } from '../../src/model/record.js';
import { DebugRegistry } from '../../src/rules/actions/debug-registry.js';
import { LogLimiter } from '../../src/rules/actions/log-limiter.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { DEFAULT_RULES, makeExchange, temporaryDirectory, writeRuleFile } from '../rules/builders.js';

const CONTEXT: EventContext = { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } };

const LOG_EVERYTHING = `  - id: log-everything
    description: Logs every transaction with its headers, bodies and detections.
    actions:
      - log:
          fields:
            body_copy: request.body
          include: { headers: all, request_body: 8192, response_body: 8192 }
      - log_payload: { max_bytes: 512 }
`;

function engine(extraRules = ''): RuleEngine {
  const directory = temporaryDirectory();
  fs.copyFileSync(DEFAULT_RULES, path.join(directory, 'default.yaml'));
  writeRuleFile(LOG_EVERYTHING + extraRules, directory, 'log.yaml');
  return new RuleEngine(loadRuleSet(directory), { logLimiter: new LogLimiter(), debugRegistry: new DebugRegistry() });
}

const DEFAULT_ENGINE = engine();

/** Runs every phase on the exchange and returns the event built from the record. */
function eventOf(exchange: Exchange, rules = DEFAULT_ENGINE): SecurityEvent {
  const record = newTransactionRecord();
  const transaction = rules.start();
  for (let phase = Phase.RequestHeaders; phase <= Phase.ResponseTrailers; phase++) {
    transaction.runPhase(phase, exchange, record);
  }
  transaction.finish(exchange, record);
  return buildSecurityEvent(exchange, record, CONTEXT);
}

function post(contentType: string, body: string, headers: HeaderList = []): Exchange {
  return makeExchange({ method: 'POST', path: '/submit', headers: [['content-type', contentType], ...headers], body }, { code: 500 });
}

function assertAbsent(event: SecurityEvent, secrets: string[]): void {
  const line = JSON.stringify(event);
  for (const secret of secrets) {
    assert.equal(line.includes(secret), false, `the event contains ${secret.slice(0, 4)}…: ${line}`);
  }
}

describe('name: value in free text', () => {
  it('masks credential names, not others', () => {
    const text = [
      '2026-01-02T03:04:05Z login failed user=ada password: free-Pw-1a2b ip=10.0.0.1',
      'DB_PASSWORD: free-Env-3c4d',
      'refreshToken:free-Rt-5e6f',
      'Content-Type: application/json',
      'Note: password must be 8 chars',
    ].join('\n');
    const event = eventOf(post('text/plain', text));

    assertAbsent(event, ['free-Pw-1a2b', 'free-Env-3c4d', 'free-Rt-5e6f']);
    const content = event.ctxproc.body?.request?.content ?? '';
    assert.match(content, /user=ada password: \[REDACTED:named_value\]\n/);
    assert.match(content, /\nContent-Type: application\/json\nNote: password must be 8 chars$/);
    assert.ok(event.ctxproc.redactions.some((entry) => entry.field === 'http.request.body' && entry.reason === 'named_value'));
  });

  it('masks the same line in a copied log field', () => {
    const event = eventOf(post('text/plain', 'retry with secret: free-Field-7a8b'));

    assertAbsent(event, ['free-Field-7a8b']);
    assert.equal(event.ctxproc.fields?.body_copy, 'retry with secret: [REDACTED:named_value]');
  });
});

describe('YAML bodies', () => {
  const document = [
    'database:',
    '  host: db.internal',
    '  password: yaml-Pw-5a6b',
    '  api_key: "yaml-Key-7c8d"',
    'credentials:',
    '  user: ada',
    '  token: yaml-Nested-9e0f',
    'secret_key: |',
    '  yaml-Block-1a2b',
    '',
    '  yaml-Block-3c4d',
    'client_secret: >-',
    '  yaml-Folded-5e6f',
    'password_history:',
    '- yaml-List-7a8b',
    'name: storefront',
  ].join('\n');
  const secrets = ['yaml-Pw-5a6b', 'yaml-Key-7c8d', 'yaml-Nested-9e0f', 'yaml-Block-1a2b', 'yaml-Block-3c4d', 'yaml-Folded-5e6f', 'yaml-List-7a8b'];

  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']) {
    it(`masks secret keys, nested maps and block scalars in ${type}`, () => {
      const event = eventOf(post(type, document));

      assertAbsent(event, secrets);
      const content = event.ctxproc.body?.request?.content ?? '';
      assert.ok(content.startsWith('database:\n  host: db.internal\n  password: [REDACTED:named_value]\n  api_key: [REDACTED:named_value]\ncredentials:'), content);
      assert.ok(content.includes('\ncredentials:\n  [REDACTED:named_value]\nsecret_key: [REDACTED:named_value]\n'), content);
      assert.ok(content.endsWith('\npassword_history:\n[REDACTED:named_value]\nname: storefront'), content);
    });
  }
});

describe('passwords in URL userinfo', () => {
  const urls = [
    ['postgres://app:url-Pg-1a2b@db.internal:5432/shop', 'postgres://app:[REDACTED:userinfo]@db.internal:5432/shop'],
    ['mysql://root:url-My-3c4d@mysql.internal/app', 'mysql://root:[REDACTED:userinfo]@mysql.internal/app'],
    ['redis://:url-Rd-5e6f@cache.internal:6379/0', 'redis://:[REDACTED:userinfo]@cache.internal:6379/0'],
    ['amqp://guest:url-Mq-7a8b@mq.internal/vhost', 'amqp://guest:[REDACTED:userinfo]@mq.internal/vhost'],
    ['mongodb+srv://svc:url-Mg-9c0d@cluster0.example.net/db?retryWrites=true', 'mongodb+srv://svc:[REDACTED:userinfo]@cluster0.example.net/db?retryWrites=true'],
    ['https://deploy:url-Gh-1e2f@git.example.com/shop.git', 'https://deploy:[REDACTED:userinfo]@git.example.com/shop.git'],
  ] as const;

  it('masks only the password in a text body', () => {
    const event = eventOf(post('text/plain', urls.map(([url]) => `connect ${url} now`).join('\n')));

    assertAbsent(event, urls.map(([url]) => /:(url-[A-Za-z]{2}-[0-9a-f]{4})@/.exec(url)![1]!));
    assert.equal(event.ctxproc.body?.request?.content, urls.map(([, masked]) => `connect ${masked} now`).join('\n'));
    assert.ok(event.ctxproc.redactions.some((entry) => entry.field === 'http.request.body' && entry.reason === 'userinfo'));
  });

  it('masks it in a JSON body, a query value and a header', () => {
    const exchange = makeExchange({
      method: 'POST',
      path: `/import?dsn=${encodeURIComponent('postgres://app:url-Query-3a4b@db/x')}`,
      headers: [['content-type', 'application/json'], ['x-database-url', 'mysql://root:url-Header-5c6d@db:3306/app'], ['referer', 'https://ada:url-Referer-9a0b@shop.example/cart']],
      body: JSON.stringify({ upstream: 'amqp://guest:url-Json-7e8f@mq/vhost' }),
    }, { code: 500 });
    const event = eventOf(exchange);

    assertAbsent(event, ['url-Query-3a4b', 'url-Header-5c6d', 'url-Json-7e8f', 'url-Referer-9a0b']);
    assert.equal(event.http?.url_details?.queryString?.dsn, 'postgres://app:[REDACTED:userinfo]@db/x');
    assert.equal(event.ctxproc.headers?.request?.['x-database-url'], 'mysql://root:[REDACTED:userinfo]@db:3306/app');
    assert.equal(event.ctxproc.headers?.request?.referer, 'https://ada:[REDACTED:userinfo]@shop.example/cart');
    assert.equal(event.ctxproc.body?.request?.content, '{"upstream":"amqp://guest:[REDACTED:userinfo]@mq/vhost"}');
  });
});

describe('detection payloads that start after a secret name', () => {
  it('masks a password inside a body that did not parse as JSON', () => {
    const event = eventOf(post('text/plain', `{"password":"x' OR 1=1-- pay-Body-1a2b"}`));
    const payload = event.ctxproc.payloads?.find((entry) => entry.location === 'body');

    assert.ok(payload !== undefined, 'the sqli detector reports the body');
    assertAbsent(event, ['pay-Body-1a2b']);
    assert.equal(payload.matched, '[REDACTED:named_value]"}');
  });

  it('masks a token in a path segment that a redact pattern covers', () => {
    const rules = engine(`  - id: redact-reset-token
    description: Hides the token of password reset links.
    actions:
      - redact: { patterns: [{ name: reset_token, regex: '/reset/[^/]+' }] }
`);
    const event = eventOf(makeExchange({ path: "/reset/x' OR 1=1--pay-Path-3c4d" }, { code: 500 }), rules);
    const payload = event.ctxproc.payloads?.find((entry) => entry.location === 'path');

    assert.ok(payload !== undefined, 'the sqli detector reports the path');
    assertAbsent(event, ['pay-Path-3c4d']);
    assert.equal(payload.matched, '[REDACTED:pattern:reset_token]');
  });

  it('masks a secret header of a multipart part', () => {
    const body = '--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nX-Api-Key: <script>alert(1)</script>pay-Part-5e6f\r\n\r\nhello\r\n--XyZ--\r\n';
    const event = eventOf(post('multipart/form-data; boundary=XyZ', body));
    const payload = event.ctxproc.payloads?.find((entry) => entry.location === 'multipart_headers');

    assert.ok(payload !== undefined, 'the xss detector reports the part headers');
    assertAbsent(event, ['pay-Part-5e6f']);
    assert.equal(payload.matched, '[REDACTED:header]');
  });

  it('masks a secret in an excerpt that a detector decoded', () => {
    const event = eventOf(post('text/plain', 'password=x%27%20OR%201%3D1--%20pay-Enc-9f8e7d'));
    const payload = event.ctxproc.payloads?.find((entry) => entry.location === 'body');

    assert.ok(payload !== undefined, 'the sqli detector reports the body');
    assertAbsent(event, ['pay-Enc-9f8e7d']);
    assert.equal(payload.matched, '[REDACTED:named_value]');
  });

  it('keeps a payload without a secret readable', () => {
    const event = eventOf(post('text/plain', `note=x' OR 1=1-- harmless`));

    assert.equal(event.ctxproc.payloads?.find((entry) => entry.location === 'body')?.matched, 'OR 1=1-- harmless');
  });
});
