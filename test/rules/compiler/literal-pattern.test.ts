// testPattern() must return exactly what RegExp.prototype.test does, with
// or without the literal check that runs first on long subjects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { literalPattern, testPattern } from '../../../src/rules/compiler/literal-pattern.js';
import { leadingLiteral } from '../../../src/rules/rule-index/regex-prefix.js';

const PATTERNS = [
  '"card_number"\\s*:',
  '^{"order',
  'abcd*e',
  'abc|"sku"',
  'Item\\.number',
  'Item number \\d+"',
  '(?:Item) number',
  '[A-Z]+-1001',
  'SKU-100200"}$',
  'SKU-10015?',
  'é+abc',
  'price_cents":2{2}',
  '"quantity":[0-9]',
];

/** Builds a JSON body of about 16 KB, longer than the subjects that skip the literal check. */
function jsonBody(): string {
  const items = [];
  for (let index = 0; index < 210; index++) {
    items.push({ sku: `SKU-${100000 + index}`, name: `Item number ${index}`, quantity: 1 + (index % 4), price_cents: 1999 + index });
  }
  return JSON.stringify({ order_id: 'ord_8f3a2c', items });
}

const SUBJECTS = [jsonBody(), 'Item number 7" "card_number" : 4111', 'a'.repeat(3000) + 'abcde', 'b'.repeat(3000) + 'abce', 'x'.repeat(4000) + 'SKU-1001', 'é'.repeat(2500) + 'éabc', ''];

test('testPattern matches RegExp test', () => {
  for (const source of PATTERNS) {
    const pattern = literalPattern(source);
    const expression = new RegExp(source);
    for (const subject of SUBJECTS) {
      assert.equal(testPattern(pattern, subject), expression.test(subject), `${source} on a subject of ${subject.length} units`);
    }
  }
});

test('leadingLiteral of patterns', () => {
  assert.equal(leadingLiteral('"card_number"\\s*:'), '"card_number"');
  assert.equal(leadingLiteral('^{"order'), '');
  assert.equal(leadingLiteral('^abc'), 'abc');
  assert.equal(leadingLiteral('abcd*e'), 'abc');
  assert.equal(leadingLiteral('Item\\.number'), 'Item.number');
  assert.equal(leadingLiteral('abc|"sku"'), null);
  assert.equal(leadingLiteral('(?:Item) number'), '');
});

test('short literal is not checked', () => {
  assert.equal(literalPattern('ab\\d').literal, null);
  assert.equal(literalPattern('abc\\d').literal, 'abc');
});
