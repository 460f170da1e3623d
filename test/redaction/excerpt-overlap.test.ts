import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretSpansInExcerpt } from '../../src/redaction/excerpt-overlap.js';

function piecesOf(secret: string, excerpt: string): string[] {
  return secretSpansInExcerpt(secret, excerpt, 6).map((span) => excerpt.slice(span.start, span.end));
}

describe('secret spans in an excerpt', () => {
  it('finds whole occurrences', () => {
    assert.deepEqual(piecesOf('hunter2-pw', "' OR 1=1 hunter2-pw -- hunter2-pw"), ['hunter2-pw', 'hunter2-pw']);
  });

  it('finds the end of a secret at the start', () => {
    assert.deepEqual(piecesOf("x' OR 1=1-- rest-9f8e", "OR 1=1-- rest-9f8e\"}"), ['OR 1=1-- rest-9f8e']);
  });

  it('finds the start of a secret at the end', () => {
    assert.deepEqual(piecesOf('tok-1a2b3c4d5e', "<script>alert(1)</script>tok-1a2b3c"), ['tok-1a2b3c']);
  });

  it('ignores pieces shorter than the minimum', () => {
    assert.deepEqual(piecesOf('abcdefgh', 'fgh and more text'), []);
    assert.deepEqual(piecesOf('abc', 'abc'), []);
  });

  it('finds nothing in unrelated text', () => {
    assert.deepEqual(piecesOf('hunter2-pw', "' OR 1=1--"), []);
  });
});
