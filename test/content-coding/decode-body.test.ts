// Decoding a body through the codings its headers list, and what happens
// with unknown codings, too many codings and cut input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { contentCodings } from '../../src/content-coding/codings.js';
import { decodeBody } from '../../src/content-coding/decode-body.js';
import { decodingNote, encodingLabel } from '../../src/content-coding/notes.js';

const TEXT = Buffer.from('name=alice&comment=<script>alert(1)</script>');

test('codings read from every header in order', () => {
  const codings = contentCodings([
    ['content-type', 'text/plain'],
    ['content-encoding', 'GZIP, identity'],
    ['Content-Encoding', ' br '],
  ]);

  assert.deepEqual(codings, ['gzip', 'br']);
});

test('codings absent or identity are null', () => {
  assert.equal(contentCodings([['content-type', 'text/plain']]), null);
  assert.equal(contentCodings([['content-encoding', 'identity']]), null);
});

test('list decodes last coding first', () => {
  const encoded = zlib.brotliCompressSync(zlib.gzipSync(TEXT));
  const decoding = decodeBody(encoded, ['gzip', 'br'], 65536, false);

  assert.equal(decoding.result, 'decoded');
  assert.deepEqual(decoding.bytes, TEXT);
  assert.equal(encodingLabel(decoding), 'gzip,br');
  assert.match(decodingNote('request', decoding), /^request body decoded from gzip, br into 44 bytes/);
});

test('x-gzip decodes as gzip', () => {
  const decoding = decodeBody(zlib.gzipSync(TEXT), ['x-gzip'], 65536, false);

  assert.deepEqual(decoding.bytes, TEXT);
  assert.equal(encodingLabel(decoding), 'gzip');
});

test('unknown coding is unsupported', () => {
  const decoding = decodeBody(TEXT, ['compress'], 65536, false);

  assert.equal(decoding.result, 'unsupported');
  assert.equal(decoding.bytes, null);
  assert.equal(encodingLabel(decoding), 'other');
  assert.match(decodingNote('request', decoding), /content-encoding compress, which ctxproc does not decode .*did not read its content/);
});

test('four codings are unsupported', () => {
  let encoded = TEXT;
  for (let layer = 0; layer < 4; layer += 1) {
    encoded = zlib.gzipSync(encoded);
  }
  const decoding = decodeBody(encoded, ['gzip', 'gzip', 'gzip', 'gzip'], 65536, false);

  assert.equal(decoding.result, 'unsupported');
  assert.equal(decoding.reason, 'more than 3 content codings');
  assert.equal(encodingLabel(decoding), 'other');
});

test('garbage labelled gzip fails', () => {
  const decoding = decodeBody(TEXT, ['gzip'], 65536, false);

  assert.equal(decoding.result, 'failed');
  assert.equal(decoding.bytes, null);
  assert.equal(decoding.reason, 'incorrect header check');
  assert.match(decodingNote('response', decoding), /^response body could not be decoded from gzip \(incorrect header check\)/);
});

test('cut input is truncated', () => {
  const encoded = zlib.gzipSync(TEXT);
  const decoding = decodeBody(encoded.subarray(0, encoded.length - 8), ['gzip'], 65536, true);

  assert.equal(decoding.result, 'truncated');
  assert.equal(decoding.inputCut, true);
  assert.equal(decoding.outputCut, false);
  assert.deepEqual(decoding.bytes, TEXT);
});

test('output cut at the limit is truncated', () => {
  const decoding = decodeBody(zlib.gzipSync(Buffer.alloc(1024 * 1024, 'a')), ['gzip'], 1000, false);

  assert.equal(decoding.result, 'truncated');
  assert.equal(decoding.outputCut, true);
  assert.notEqual(decoding.bytes, null);
  assert.ok(decoding.bytes!.length <= 1000, `decoded ${decoding.bytes!.length} bytes past the limit of 1000`);
  assert.match(decodingNote('request', decoding), /past the body limit of 1000 bytes; .* read only the first \d+ decoded bytes/);
});

test('bomb in a bomb stays bounded', () => {
  const inner = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024));
  const decoding = decodeBody(zlib.brotliCompressSync(inner), ['gzip', 'br'], 2048, false);

  assert.equal(decoding.result, 'truncated');
  assert.notEqual(decoding.bytes, null);
  assert.ok(decoding.bytes!.length <= 2048, `decoded ${decoding.bytes!.length} bytes past the limit of 2048`);
});
