// anchoredIncludes() must return exactly what String.prototype.includes
// does, wherever the needle's rarest character sits and however often its
// tail occurs without its head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchoredIncludes } from '../../../src/rules/compiler/anchored-search.js';
import { containsNeedle, needleSearch } from '../../../src/rules/compiler/needle-search.js';

/** Builds a JSON body of about 16 KB, shaped like the load benchmark's. */
function jsonBody(): string {
  const items = [];
  for (let index = 0; index < 210; index++) {
    items.push({ sku: `SKU-${100000 + index}`, name: `Item number ${index}`, quantity: 1 + (index % 4), price_cents: 1999 + index });
  }
  return JSON.stringify({ order_id: 'ord_8f3a2c', customer: { id: 'cus_1029', email_verified: true }, items });
}

const BODY = jsonBody();

const NEEDLES = ['"is_admin":true', '"card_number"', 'SKU-100150', 'price_cents":2050', '{"order_id"', '"price_cents":2208}]}', 'Item number 209"', 'dmin', 'zq', '"quantity":5'];

test('anchoredIncludes matches includes on JSON', () => {
  for (const needle of NEEDLES) {
    assert.equal(anchoredIncludes(needle, BODY), BODY.includes(needle), needle);
  }
});

test('containsNeedle on a long body', () => {
  for (const needle of NEEDLES) {
    assert.equal(containsNeedle(needleSearch(needle), BODY), BODY.includes(needle), needle);
  }
});

test('needle after many tail-only places', () => {
  // The sample contains mostly 'b', so the search anchors on the tail 'aq',
  // which occurs with the head 'x' more often than the bound on misses
  // before it occurs with 'b'.
  const filler = 'b'.repeat(4000) + 'xaq'.repeat(50);
  assert.equal(anchoredIncludes('baq', filler + 'baq' + 'b'.repeat(100)), true);
  assert.equal(anchoredIncludes('baq', filler + 'b'.repeat(100)), false);
});

test('needle at either end', () => {
  const subject = 'head-' + 'a'.repeat(5000) + '-tail';
  assert.equal(anchoredIncludes('head-', subject), true);
  assert.equal(anchoredIncludes('-tail', subject), true);
  assert.equal(anchoredIncludes('tail-', subject), false);
});

test('anchoredIncludes matches includes on generated strings', () => {
  // A small alphabet makes partial matches and repeated units common, and a fixed seed keeps the run reproducible.
  const alphabet = 'abcé€\u{1F600}';
  let seed = 98765;
  const next = (limit: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % limit;
  };
  const word = (length: number): string => Array.from({ length }, () => alphabet[next(alphabet.length)]).join('');

  for (let i = 0; i < 300; i++) {
    const needle = word(2 + next(5));
    const subject = word(2048 + next(2000));
    assert.equal(anchoredIncludes(needle, subject), subject.includes(needle), `${JSON.stringify(needle)} in a subject of ${subject.length} units`);
  }
});
