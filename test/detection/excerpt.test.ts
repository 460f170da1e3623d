// Detection excerpts: cut at MAX_MATCHED_CHARS without leaving half a token
// or half a card number at the edge, where redaction could not recognise it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { excerpt } from '../../src/detection/excerpt.js';
import { MAX_MATCHED_CHARS } from '../../src/detection/limits.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTg4MTIiLCJyb2xlIjoiYWRtaW4ifQ.K3qSuTVcqaZy9tvB0mVIrc4Y2Qn2cXk8bJm_7gHdWfE';

test('excerpt drops a token cut at its edge', () => {
  const text = `<script>x='${JWT}'</script>`;

  const cut = excerpt(text, 0, 40);

  assert.equal(cut, "<script>x='");
});

test('excerpt drops a card number cut at its edge', () => {
  const text = `${'a '.repeat((MAX_MATCHED_CHARS - 10) / 2)}pan 4111 1111 1111 1111 end`;

  const cut = excerpt(text);

  assert.ok(cut.length <= MAX_MATCHED_CHARS);
  assert.doesNotMatch(cut, /4111/);
  assert.match(cut, /pan$/);
});

test('excerpt keeps the end of text whole', () => {
  assert.equal(excerpt(`id=${JWT}`, 3), JWT);
  assert.equal(excerpt("1' OR 1=1--"), "1' OR 1=1--");
});
