// Redaction modes of redact rules (mask, partial, hmac, remove) and JSON-path
// targets, applied by the Redactor and the event builder.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedactionStyle } from '../../src/model/record.js';
import { isMask } from '../../src/redaction/mask.js';
import { parseJsonPath, redactJsonPaths } from '../../src/redaction/json-paths.js';
import { Redactor } from '../../src/redaction/redactor.js';
import { makeSpec } from './helpers.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210');

function redactorWith(targets: Parameters<typeof makeSpec>[0], styles: Record<string, RedactionStyle>, jsonPaths: string[] = []): Redactor {
  const spec = makeSpec(targets);
  spec.styles = new Map(Object.entries(styles));
  spec.jsonPaths = new Set(jsonPaths);
  for (const path of jsonPaths) {
    spec.sources.set(`json_path:${path}`, 'paths-rule');
  }
  return new Redactor(spec);
}

describe('redaction modes', () => {
  it('partial keeps the last four', () => {
    const redactor = redactorWith({ detectors: ['card_number', 'email'] }, { 'detector:card_number': { mode: 'partial' } });
    const output = redactor.text('message', 'card 4111 1111 1111 1111 for a@example.com');

    assert.equal(output, 'card [REDACTED:card_number:last4=1111] for [REDACTED:email]');
    assert.ok(isMask('[REDACTED:card_number:last4=1111]'));
  });

  it('partial masks short values whole', () => {
    const redactor = redactorWith({ headers: ['x-pin'] }, { 'header:x-pin': { mode: 'partial' } });
    assert.equal(redactor.maskTarget('header', 'x-pin', 'http.request.headers.x-pin', '1234567'), '[REDACTED:header]');
  });

  it('hmac gives equal fingerprints for equal values', () => {
    const redactor = redactorWith({ detectors: ['email'] }, { 'detector:email': { mode: 'hmac', key: KEY } });
    const output = redactor.text('message', 'from ada@example.com to bob@example.com cc ada@example.com');
    const fingerprints = [...output.matchAll(/hmac=([0-9a-f]{16})/g)].map((match) => match[1]);

    assert.equal(fingerprints.length, 3);
    assert.equal(fingerprints[0], fingerprints[2]);
    assert.notEqual(fingerprints[0], fingerprints[1]);
    assert.ok(!output.includes('ada@'));
  });

  it('hmac depends on the key', () => {
    const first = redactorWith({ detectors: ['email'] }, { 'detector:email': { mode: 'hmac', key: KEY } }).text('m', 'ada@example.com');
    const second = redactorWith({ detectors: ['email'] }, { 'detector:email': { mode: 'hmac', key: OTHER_KEY } }).text('m', 'ada@example.com');
    assert.notEqual(first, second);
  });

  it('remove leaves nothing', () => {
    const redactor = redactorWith({ queryParams: ['token'], detectors: ['us_ssn'] }, { 'query_param:token': { mode: 'remove' }, 'detector:us_ssn': { mode: 'remove' } });

    assert.equal(redactor.text('message', 'ssn 123-45-6789 end'), 'ssn  end');
    assert.equal(redactor.maskTarget('query_param', 'token', 'http.request.query.token', 'tok-123456'), '');
    assert.deepEqual(redactor.entries().map((entry) => entry.reason).sort(), ['query_param', 'us_ssn']);
  });

  it('known copies use the target mode', () => {
    const redactor = redactorWith({ headers: ['x-session'] }, { 'header:x-session': { mode: 'hmac', key: KEY } });
    redactor.addKnownSecret('header', 'x-session', 'sess-abcdef123456');
    const copy = redactor.text('ctxproc.fields.note', 'session sess-abcdef123456 seen');
    const direct = redactor.maskTarget('header', 'x-session', 'http.request.headers.x-session', 'sess-abcdef123456');

    assert.match(copy, /^session \[REDACTED:header:hmac=[0-9a-f]{16}\] seen$/);
    assert.ok(copy.includes(direct!), 'the copy and the header must carry the same fingerprint');
  });
});

describe('json paths', () => {
  it('parses the supported subset', () => {
    assert.deepEqual(parseJsonPath('$.user.password'), ['user', 'password']);
    assert.deepEqual(parseJsonPath("$.cards[*].number"), ['cards', '*', 'number']);
    assert.deepEqual(parseJsonPath("$['odd key'][0]"), ['odd key', 0]);
    assert.equal(parseJsonPath('$..password'), null);
    assert.equal(parseJsonPath('user.password'), null);
    assert.equal(parseJsonPath('$'), null);
  });

  it('masks selected values of any type', () => {
    const redactor = redactorWith({}, {}, ['$.user.pin', '$.cards[*].cvv', '$.items[1]']);
    const body = JSON.stringify({ user: { name: 'ada', pin: 4321 }, cards: [{ cvv: '123' }, { cvv: '987' }], items: ['a', { secret: true }] });
    const output = redactJsonPaths(redactor, 'http.request.body', body, redactor.jsonPaths)!;

    assert.deepEqual(JSON.parse(output), {
      user: { name: 'ada', pin: '[REDACTED:json_path]' },
      cards: [{ cvv: '[REDACTED:json_path]' }, { cvv: '[REDACTED:json_path]' }],
      items: ['a', '[REDACTED:json_path]'],
    });
    assert.deepEqual(redactor.entries().map((entry) => entry.field).sort(), ['http.request.body.cards[*].cvv', 'http.request.body.items[1]', 'http.request.body.user.pin']);
    assert.ok(redactor.entries().every((entry) => entry.rule === 'paths-rule'));
  });

  it('returns null for text that is not JSON', () => {
    const redactor = redactorWith({}, {}, ['$.a']);
    assert.equal(redactJsonPaths(redactor, 'f', '{"a": 1', redactor.jsonPaths), null);
  });

  it('masks copies of selected values', () => {
    const redactor = redactorWith({}, {}, ['$.token']);
    redactJsonPaths(redactor, 'http.request.body', '{"token":"tk-1234567890"}', redactor.jsonPaths);
    assert.equal(redactor.text('message', 'token tk-1234567890 used'), 'token [REDACTED:json_path] used');
  });
});
