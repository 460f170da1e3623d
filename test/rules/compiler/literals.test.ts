// internalised() goes through an object key, so names with a meaning in
// object literals and array-index strings must keep their text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { internalised, internalisedLiteral } from '../../../src/rules/compiler/literals.js';

test('internalised keeps the text', () => {
  const texts = ['', 'POST', '__proto__', 'constructor', 'toString', '0', '42', '4294967295', '-1', '1e3', 'zürich', 'a\u0000b', '\ud83d\ude00', 'x'.repeat(1000)];
  for (const text of texts) {
    assert.equal(internalised(text), text);
  }
});

test('internalisedLiteral keeps non-strings', () => {
  for (const value of [0, -0, 1.5, Number.NaN, 7n, true, false, null]) {
    assert.ok(Object.is(internalisedLiteral(value), value), `changed ${String(value)}`);
  }
});
