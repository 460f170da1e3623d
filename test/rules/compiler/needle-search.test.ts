// containsNeedle() must return exactly what String.prototype.includes does,
// on both sides of the subject length where it stops scanning in JavaScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containsNeedle, needleSearch } from '../../../src/rules/compiler/needle-search.js';

const CASES: ReadonlyArray<[subject: string, needle: string]> = [
  ['application/json', 'multipart'],
  ['multipart/form-data', 'multipart'],
  ['form/multipart', 'multipart'],
  ['a-multipart-b', 'multipart'],
  ['multipar', 'multipart'],
  ['multipart', 'multipart'],
  ['', 'multipart'],
  ['mulmultipart', 'multipart'],
  ['multipartmultipart', 'multipart'],
  ['aaaaaaaaab', 'aab'],
  ['abababababac', 'abac'],
  ['MULTIPART', 'multipart'],
  ['café au lait', 'é a'],
  ['price: 5€ each', '5€'],
  ['日本語のテキスト multipart', 'multipart'],
  ['x', 'x'],
  ['abc', ''],
  ['', ''],
  ['a'.repeat(31) + 'multipart', 'multipart'],
  ['application/x-www-form-urlencoded; charset=utf-8', 'multipart'],
  ['text/plain; boundary=multipart', 'multipart'],
];

test('containsNeedle matches includes on table', () => {
  for (const [subject, needle] of CASES) {
    const search = needleSearch(needle);
    assert.equal(containsNeedle(search, subject), subject.includes(needle), `${JSON.stringify(subject)} contains ${JSON.stringify(needle)}`);
  }
});

test('containsNeedle matches includes on generated strings', () => {
  // A small alphabet makes partial matches and repeated units common, and a fixed seed keeps the run reproducible.
  const alphabet = 'abcé€';
  let seed = 12345;
  const next = (limit: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % limit;
  };
  const word = (length: number): string => Array.from({ length }, () => alphabet[next(alphabet.length)]).join('');

  for (let i = 0; i < 3000; i++) {
    const needle = word(1 + next(6));
    const subject = word(next(40));
    assert.equal(containsNeedle(needleSearch(needle), subject), subject.includes(needle), `${JSON.stringify(subject)} contains ${JSON.stringify(needle)}`);
  }
});

test('needleSearch keeps includes for unscannable needles', () => {
  assert.equal(needleSearch('m').shifts, null);
  assert.equal(needleSearch('').shifts, null);
  assert.equal(needleSearch('5€').shifts, null);
  assert.equal(needleSearch('x'.repeat(256)).shifts, null);
});

test('needleSearch shifts by distance from the end', () => {
  const shifts = needleSearch('multipart').shifts;
  assert.ok(shifts !== null);
  assert.equal(shifts['m'.charCodeAt(0)], 8);
  assert.equal(shifts['t'.charCodeAt(0)], 5);
  assert.equal(shifts['r'.charCodeAt(0)], 1);
  assert.equal(shifts['z'.charCodeAt(0)], 9);
});
