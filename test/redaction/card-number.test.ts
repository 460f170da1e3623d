import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cardNumberDetector, passesLuhn } from '../../src/redaction/card-number.js';
import { matchesOf } from './helpers.js';

describe('card_number detector', () => {
  const positives: Array<[string, string, string]> = [
    ['16-digit Visa', 'pan 4111111111111111 ok', '4111111111111111'],
    ['15-digit Amex', '378282246310005', '378282246310005'],
    ['13 digits', 'x=4222222222222', '4222222222222'],
    ['19 digits', '4000000000000000006', '4000000000000000006'],
    ['spaces between groups', 'card: 4111 1111 1111 1111.', '4111 1111 1111 1111'],
    ['dashes between groups', '"4111-1111-1111-1111"', '4111-1111-1111-1111'],
    ['Amex grouping', '3782 822463 10005', '3782 822463 10005'],
    ['in JSON', '{"card":{"number":"5555555555554444"}}', '5555555555554444'],
    ['followed by a year group', '4111 1111 1111 1111 20', '4111 1111 1111 1111'],
  ];
  for (const [name, text, expected] of positives) {
    it(`finds ${name}`, () => {
      assert.deepEqual(matchesOf(cardNumberDetector, text), [expected]);
    });
  }

  const negatives: Array<[string, string]> = [
    ['a Luhn failure', '4111111111111112'],
    ['a Luhn failure in groups', '4111 1111 1111 1112'],
    ['12 digits that pass Luhn', '411111111117'],
    ['20 digits that pass Luhn', '41111111111111111115'],
    ['double spaces between groups', '4111  1111  1111  1111'],
    ['digits inside a word', 'id4111111111111111'],
    ['digits followed by letters', '4111111111111111abc'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['a timestamp', '2025-01-31 12:00:00'],
    ['no digits', 'no numbers here'],
  ];
  for (const [name, text] of negatives) {
    it(`ignores ${name}`, () => {
      assert.deepEqual(matchesOf(cardNumberDetector, text), []);
    });
  }

  it('finds several cards in one text', () => {
    const text = 'a 4111111111111111, b 5555-5555-5555-4444; c 378282246310005';
    assert.deepEqual(matchesOf(cardNumberDetector, text), ['4111111111111111', '5555-5555-5555-4444', '378282246310005']);
  });

  it('stops at the match limit', () => {
    const text = Array.from({ length: 10 }, () => '4111111111111111').join(' , ');
    assert.equal(cardNumberDetector.find(text, 3).length, 3);
  });

  it('passesLuhn checks known numbers', () => {
    assert.equal(passesLuhn('4111111111111111'), true);
    assert.equal(passesLuhn('79927398713'), true);
    assert.equal(passesLuhn('79927398710'), false);
  });

  it('scans 400 kB of digit groups quickly', () => {
    const text = '1 '.repeat(200_000);
    const started = process.hrtime.bigint();
    cardNumberDetector.find(text, 256);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms`);
  });
});
