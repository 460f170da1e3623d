import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { CtxprocError } from '../../src/errors/codes.js';
import { cutChars, cutUtf8, trimCutEdge } from '../../src/redaction/cut.js';
import { isMask } from '../../src/redaction/mask.js';
import { LIMIT_RULE, Redactor, UNKNOWN_RULE } from '../../src/redaction/redactor.js';
import { ALL_DETECTORS, makeSpec } from './helpers.js';

const CARD = '4111111111111111';

describe('Redactor.text', () => {
  it('masks a detector match and records it', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }));
    assert.equal(redactor.text('ctxproc.fields.note', `paid with ${CARD}`), 'paid with [REDACTED:card_number]');
    assert.deepEqual(redactor.entries(), [{ field: 'ctxproc.fields.note', reason: 'card_number', rule: 'redact-secrets' }]);
  });

  it('leaves text alone without detectors', () => {
    const redactor = new Redactor(makeSpec({}));
    assert.equal(redactor.text('message', `paid with ${CARD}`), `paid with ${CARD}`);
    assert.deepEqual(redactor.entries(), []);
  });

  it('records each field and reason once', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }));
    redactor.text('message', `${CARD} and ${CARD}`);
    redactor.text('message', CARD);
    assert.equal(redactor.entries().length, 1);
  });

  it('merges overlapping matches of two detectors', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['bearer_token', 'jwt'] }));
    const jwt = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln';
    assert.equal(redactor.text('message', `Bearer ${jwt} end`), 'Bearer [REDACTED:jwt] end');
    assert.deepEqual(redactor.entries().map((entry) => entry.reason).sort(), ['bearer_token', 'jwt']);
  });

  it('names an unknown rule when the spec has no source', () => {
    const spec = makeSpec({ detectors: ['card_number'] });
    spec.sources.clear();
    const redactor = new Redactor(spec);
    redactor.text('message', CARD);
    assert.equal(redactor.entries()[0]?.rule, UNKNOWN_RULE);
  });

  it('masks the rest of a string after the match limit', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }), { maxMatchesPerString: 3 });
    const text = Array.from({ length: 6 }, () => CARD).join(' , ');
    const output = redactor.text('message', text);
    assert.equal(output.includes('4111'), false);
    assert.equal(output.split('[REDACTED:card_number]').length - 1, 3);
    assert.ok(output.endsWith('[REDACTED:match_limit]'));
    assert.ok(redactor.entries().some((entry) => entry.reason === 'match_limit' && entry.rule === LIMIT_RULE));
  });

  it('cuts long values and notes the cut', () => {
    const redactor = new Redactor(makeSpec({}), { maxValueChars: 10 });
    assert.equal(redactor.text('message', 'abcdefghijklmnop'), 'abcdefghij[TRUNCATED]');
    assert.deepEqual(redactor.limitNotes(), ['1 value longer than 10 characters was cut']);
  });

  it('notes two cut values in the plural', () => {
    const redactor = new Redactor(makeSpec({}), { maxValueChars: 10 });
    redactor.text('message', 'abcdefghijklmnop');
    redactor.text('message', 'qrstuvwxyz0123456');
    assert.deepEqual(redactor.limitNotes(), ['2 values longer than 10 characters were cut']);
  });

  it('notes one cut field list in the singular', () => {
    const redactor = new Redactor(makeSpec({}));
    redactor.fieldValue('ctxproc.fields.ids', Array.from({ length: 101 }, (_, index) => index));
    assert.deepEqual(redactor.limitNotes(), ['1 field list or map longer than 100 items, or deeper than 16 levels, was cut']);
  });

  it('notes two cut field lists in the plural', () => {
    const redactor = new Redactor(makeSpec({}));
    redactor.fieldValue('ctxproc.fields.ids', Array.from({ length: 101 }, (_, index) => index));
    redactor.fieldValue('ctxproc.fields.more', Array.from({ length: 150 }, (_, index) => index));
    assert.deepEqual(redactor.limitNotes(), ['2 field lists or maps longer than 100 items, or deeper than 16 levels, were cut']);
  });

  it('masks a secret that crosses the cut', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }), { maxValueChars: 12 });
    assert.equal(redactor.text('message', `card ${CARD}`), 'card [TRUNCATED]');
  });

  it('logs no part of a JWT longer than the scan window', () => {
    // With 100 characters kept, the scan reads 100 + 4096 and ends inside these claims.
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const claims = Buffer.from(JSON.stringify({ sub: '123', data: 'x'.repeat(6000) })).toString('base64url');
    const redactor = new Redactor(makeSpec({ detectors: ['jwt'] }), { maxValueChars: 100 });

    assert.equal(redactor.text('message', `token ${header}.${claims}.`), 'token [REDACTED:jwt][TRUNCATED]');
    assert.deepEqual(redactor.limitNotes(), ['1 value longer than 100 characters was cut']);
  });

  it('bounds work on a hostile string', () => {
    const redactor = new Redactor(makeSpec({ detectors: ALL_DETECTORS }));
    const hostile = `${CARD} Bearer x Basic YTpi eyJa.b.c `.repeat(100_000);
    const started = process.hrtime.bigint();
    const output = redactor.text('message', hostile);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(output.length <= 2048 + '[TRUNCATED]'.length);
    assert.ok(elapsedMs < 500, `took ${elapsedMs} ms`);
  });
});

describe('Redactor.fieldValue', () => {
  it('masks values under keys named by redact rules', () => {
    const redactor = new Redactor(makeSpec({ headers: ['authorization'], queryParams: ['token'], cookies: ['session'] }));
    const output = redactor.fieldValue('ctxproc.fields', {
      headers: { Authorization: 'Bearer abc', accept: 'text/html' },
      token: 'q1',
      session: { id: 's1' },
    });
    assert.deepEqual(JSON.parse(JSON.stringify(output)), {
      headers: { Authorization: '[REDACTED:header]', accept: 'text/html' },
      token: '[REDACTED:named_value]',
      session: '[REDACTED:cookie]',
    });
    assert.deepEqual(
      redactor.entries().map((entry) => `${entry.field} ${entry.reason}`),
      ['ctxproc.fields.headers.Authorization header', 'ctxproc.fields.token named_value', 'ctxproc.fields.session cookie'],
    );
  });

  it('masks card numbers written as JSON numbers', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }));
    assert.deepEqual(redactor.fieldValue('ctxproc.fields.pan', [Number(CARD), 42]), ['[REDACTED:card_number]', 42]);
  });

  it('masks detector matches in keys', () => {
    const redactor = new Redactor(makeSpec({ detectors: ['card_number'] }));
    const output = redactor.fieldValue('ctxproc.fields', { [CARD]: 1 });
    assert.deepEqual(Object.keys(output as object), ['[REDACTED:card_number]']);
  });

  it('cuts deep nesting', () => {
    const redactor = new Redactor(makeSpec({}));
    let nested: Record<string, unknown> = { leaf: 'x' };
    for (let level = 0; level < 30; level += 1) {
      nested = { next: nested };
    }
    const output = JSON.stringify(redactor.fieldValue('ctxproc.fields', nested as never));
    assert.equal(output.includes('leaf'), false);
    assert.equal(redactor.limitNotes().length, 1);
  });
});

describe('hmac mode', () => {
  const key = Buffer.alloc(32, 7);

  it('writes the same fingerprint for the same value', () => {
    const first = new Redactor(makeSpec({ detectors: ['card_number'] }), { mode: 'hmac', hmacKey: key });
    const second = new Redactor(makeSpec({ detectors: ['card_number'] }), { mode: 'hmac', hmacKey: key });
    const output = first.text('message', CARD);
    assert.match(output, /^\[REDACTED:card_number:hmac=[0-9a-f]{16}\]$/);
    assert.equal(second.text('message', CARD), output);
    assert.notEqual(second.text('message', '5555555555554444'), output);
    assert.ok(isMask(output));
  });

  it('rejects a short key', () => {
    assert.throws(
      () => new Redactor(makeSpec({}), { mode: 'hmac', hmacKey: Buffer.alloc(8) }),
      (error: unknown) => error instanceof CtxprocError && error.code === 'CTXPROC_CONFIG_INVALID',
    );
  });
});

describe('cut helpers', () => {
  it('drops a partial card number at the cut', () => {
    assert.equal(cutChars(`pan ${CARD} end`, 12), 'pan');
  });

  it('drops a partial mask at the cut', () => {
    assert.equal(cutChars('a [REDACTED:card_number] b', 8), 'a ');
  });

  it('keeps whole UTF-8 characters', () => {
    assert.equal(cutUtf8('ab€', 4), 'ab');
  });

  it('drops a provider token cut in the middle', () => {
    const text = 'key ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 end';
    assert.equal(cutChars(text, 30), 'key ');
    assert.equal(cutUtf8(text, 30), 'key ');
  });

  it('drops a cut token after a JSON escape', () => {
    assert.equal(cutChars('{"note":"one\\nxoxb-1029384756-abcdefghij"}', 22), '{"note":"one\\n');
  });

  it('drops a cut token and a digit run', () => {
    assert.equal(trimCutEdge('see 4111 1111 ghp_A1b2'), 'see');
    assert.equal(trimCutEdge('see ghp_A1b2 1111'), 'see ');
  });

  it('keeps words that are not token prefixes', () => {
    assert.equal(cutChars('the task-runner and more', 15), 'the task-runner');
    assert.equal(cutChars('a ghost_protocol file', 16), 'a ghost_protocol');
  });
});

test('rule patterns mask their matches', () => {
  const redactor = new Redactor(makeSpec({ patterns: { account_id: 'ACCT-[0-9]{8}', word_edge: '\\b' } }));
  const output = redactor.text('ctxproc.fields.note', 'moved ACCT-12345678 to ACCT-87654321, not ACCT-123');

  assert.equal(output, 'moved [REDACTED:pattern:account_id] to [REDACTED:pattern:account_id], not ACCT-123');
  assert.deepEqual(redactor.entries(), [{ field: 'ctxproc.fields.note', reason: 'pattern:account_id', rule: 'redact-secrets' }]);
  assert.equal(isMask('[REDACTED:pattern:account_id]'), true);
});
