// Decoders: URL (repeated, %u, overlong UTF-8), HTML entities, escapes,
// UTF-7 and plain base64, each bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEscapes, decodeHtmlEntities, decodePlainBase64, decodeUtf7, decodeVariants, urlDecodeOnce, urlDecodeRepeated } from '../../src/detection/decode.js';

test('urlDecodeOnce decodes percent escapes and plus', () => {
  assert.equal(urlDecodeOnce('a%20b+c'), 'a b c');
});

test('urlDecodeOnce keeps invalid escapes', () => {
  assert.equal(urlDecodeOnce('100%zz'), '100%zz');
});

test('urlDecodeOnce decodes %u escapes', () => {
  assert.equal(urlDecodeOnce('%u003cb%u003e'), '<b>');
});

test('urlDecodeOnce reads overlong UTF-8 dots', () => {
  assert.equal(urlDecodeOnce('%c0%ae%c0%ae/'), '../');
});

test('urlDecodeOnce decodes multi-byte UTF-8', () => {
  assert.equal(urlDecodeOnce('caf%C3%A9'), 'café');
});

test('urlDecodeRepeated undoes double encoding', () => {
  assert.equal(urlDecodeRepeated('%253Cscript%253E'), '<script>');
});

test('urlDecodeRepeated stops after three rounds', () => {
  assert.equal(urlDecodeRepeated('%25252525'), '%25');
});

test('urlDecodeRepeated keeps a decoded plus', () => {
  assert.equal(urlDecodeRepeated('a%2bb'), 'a+b');
});

test('decodeHtmlEntities resolves numeric and named entities', () => {
  assert.equal(decodeHtmlEntities('&#60;&#x3e;&lt;&colon;&unknown;'), '<><:&unknown;');
});

test('decodeEscapes resolves \\u, \\u{} and \\x', () => {
  assert.equal(decodeEscapes('\\u0061\\u{62}\\x63'), 'abc');
});

test('decodeUtf7 decodes a run', () => {
  assert.equal(decodeUtf7('+ADw-b+AD4-'), '<b>');
});

test('decodePlainBase64 decodes printable text', () => {
  assert.equal(decodePlainBase64(Buffer.from('cat /etc/hosts now').toString('base64')), 'cat /etc/hosts now');
});

test('decodePlainBase64 ignores short values', () => {
  assert.equal(decodePlainBase64('YWJj'), null);
});

test('decodePlainBase64 ignores binary content', () => {
  assert.equal(decodePlainBase64(Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255, 0, 1]).toString('base64')), null);
});

test('decodeVariants lists distinct readings', () => {
  const variants = decodeVariants('%26lt%3Bb%26gt%3B');
  assert.deepEqual(variants, ['%26lt%3Bb%26gt%3B', '&lt;b&gt;', '<b>']);
});

test('decodeVariants returns one entry for plain text', () => {
  assert.deepEqual(decodeVariants('hello'), ['hello']);
});
