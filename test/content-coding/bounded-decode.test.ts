// Bounded decoding of one content coding: whole, cut and corrupt streams, and
// zip bombs, whose output must stop at the bound.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { decodeStep } from '../../src/content-coding/bounded-decode.js';

const TEXT = Buffer.from(`{"q":"1' UNION SELECT username, password FROM users -- ","page":3}`);

/** Text that compresses poorly, so a cut of the encoded bytes cuts the output early. */
const VARIED = Buffer.from(randomBytes(6000).toString('base64'));

/** Encodes with br at a window of 2^bits bytes (RFC 7932 WBITS). */
function brotliWithWindow(input: Buffer, bits: number): Buffer {
  return zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_LGWIN]: bits } });
}

test('gzip decodes whole', () => {
  const step = decodeStep('gzip', zlib.gzipSync(TEXT), 65536);

  assert.deepEqual(step.bytes, TEXT);
  assert.equal(step.stop, null);
});

test('deflate decodes zlib and raw data', () => {
  const wrapped = decodeStep('deflate', zlib.deflateSync(TEXT), 65536);
  const raw = decodeStep('deflate', zlib.deflateRawSync(TEXT), 65536);

  assert.deepEqual(wrapped.bytes, TEXT);
  assert.equal(wrapped.stop, null);
  assert.deepEqual(raw.bytes, TEXT);
  assert.equal(raw.stop, null);
});

test('br decodes whole', () => {
  const step = decodeStep('br', zlib.brotliCompressSync(TEXT), 65536);

  assert.deepEqual(step.bytes, TEXT);
  assert.equal(step.stop, null);
});

test('cut stream decodes its prefix', () => {
  for (const [coding, encode] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync], ['br', zlib.brotliCompressSync]] as const) {
    const encoded = encode(VARIED);
    const step = decodeStep(coding, encoded.subarray(0, encoded.length >>> 1), 65536);

    assert.ok(step.bytes.length > 1000, `${coding}: ${step.bytes.length} bytes decoded from half the stream`);
    assert.ok(step.bytes.length < VARIED.length, `${coding}: decoded more than half the stream holds`);
    assert.deepEqual(step.bytes, VARIED.subarray(0, step.bytes.length), `${coding}: output is not a prefix of the text`);
  }
});

test('zip bomb output stops at the bound', () => {
  const limit = 4096;
  const payload = "q=1' UNION SELECT password FROM users -- &pad=";
  // 16 MiB of filler after the payload: about 16 KiB of gzip, and under 100 bytes of br.
  const text = Buffer.concat([Buffer.from(payload), Buffer.alloc(16 * 1024 * 1024, 'A')]);
  // br at a window of 2^18 bytes gets the same search as gzip; larger windows are tested below.
  const brSmallWindow = (input: Buffer): Buffer => brotliWithWindow(input, 18);
  for (const [coding, encode] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync], ['br', brSmallWindow]] as const) {
    const step = decodeStep(coding, encode(text), limit);

    assert.ok(step.bytes.length <= limit, `${coding}: ${step.bytes.length} bytes decoded past the bound of ${limit}`);
    assert.deepEqual(step.bytes, text.subarray(0, step.bytes.length), `${coding}: output is not a prefix of the text`);
    assert.deepEqual(step.stop, { kind: 'output_limit' });
    // One br command can copy megabytes, so br output may stop before the
    // bound, but the literal payload that precedes the filler is decoded.
    assert.ok(step.bytes.toString().includes('UNION SELECT'), `${coding}: the payload before the filler was not decoded`);
    if (coding !== 'br') {
      assert.ok(step.bytes.length > limit - 1024, `${coding}: only ${step.bytes.length} of ${limit} bytes decoded`);
    }
  }
});

test('garbage labelled gzip fails with no output', () => {
  const step = decodeStep('gzip', Buffer.from("id=1' OR '1'='1"), 65536);

  assert.equal(step.bytes.length, 0);
  assert.equal(step.stop?.kind, 'error');
});

test('trailing garbage keeps the decoded member', () => {
  const step = decodeStep('gzip', Buffer.concat([zlib.gzipSync(TEXT), Buffer.from('garbage after the member')]), 65536);

  assert.deepEqual(step.bytes, TEXT);
  assert.equal(step.stop?.kind, 'error');
});

test('empty input decodes to nothing', () => {
  const step = decodeStep('br', Buffer.alloc(0), 65536);

  assert.equal(step.bytes.length, 0);
  assert.equal(step.stop, null);
});


test('br large-window extension is not decoded', () => {
  const encoded = zlib.brotliCompressSync(TEXT, { params: { [zlib.constants.BROTLI_PARAM_LARGE_WINDOW]: 1, [zlib.constants.BROTLI_PARAM_LGWIN]: 26 } });

  const step = decodeStep('br', encoded, 65536);

  assert.equal(step.bytes.length, 0);
  assert.equal(step.stop?.kind, 'error');
  assert.match(step.stop?.kind === 'error' ? step.stop.message : '', /large-window extension/);
});

test('smaller window decodes the same bytes', () => {
  const text = Buffer.from(JSON.stringify(Array.from({ length: 8_000 }, (_, index) => ({ id: index, token: randomBytes(6).toString('hex'), note: 'the same words again and again' }))));
  for (const bits of [22, 24]) {
    const step = decodeStep('br', brotliWithWindow(text, bits), 65536);

    assert.ok(step.bytes.length > 32768, `window 2^${bits}: only ${step.bytes.length} bytes decoded`);
    assert.deepEqual(step.bytes, text.subarray(0, step.bytes.length), `window 2^${bits}`);
  }
});

test('br windows up to 2^24 decode', () => {
  for (const bits of [10, 16, 18, 19, 22, 24]) {
    const step = decodeStep('br', brotliWithWindow(TEXT, bits), 65536);

    assert.deepEqual(step.bytes, TEXT, `window 2^${bits}`);
  }
});

test('br bomb at a large window stays bounded', () => {
  const text = Buffer.concat([Buffer.from("q=1' UNION SELECT password FROM users -- &pad="), Buffer.alloc(16 * 1024 * 1024, 'A')]);

  const step = decodeStep('br', brotliWithWindow(text, 22), 4096);

  // Doubling prefixes stops at the first one that reaches the copy of the
  // filler, so the payload before it may be decoded only in part.
  assert.ok(step.bytes.length <= 4096);
  assert.deepEqual(step.bytes, text.subarray(0, step.bytes.length));
  assert.deepEqual(step.stop, { kind: 'output_limit' });
});

test('large br body decodes up to the bound', () => {
  const text = Buffer.from(randomBytes(150_000).toString('base64'));

  const step = decodeStep('br', brotliWithWindow(text, 22), 65536);

  assert.ok(step.bytes.length > 16384, `only ${step.bytes.length} bytes decoded`);
  assert.deepEqual(step.bytes, text.subarray(0, step.bytes.length));
});

test('bytes after the stream end are an error', () => {
  const tail = Buffer.from("&q=1' UNION SELECT 1 --");
  for (const [coding, encode] of [['deflate', zlib.deflateRawSync], ['deflate', zlib.deflateSync], ['br', zlib.brotliCompressSync]] as const) {
    const step = decodeStep(coding, Buffer.concat([encode(Buffer.from('a=1')), tail]), 65536);

    assert.equal(step.bytes.toString(), 'a=1', coding);
    assert.deepEqual(step.stop, { kind: 'error', message: `${tail.length} bytes follow the end of the compressed stream` }, coding);
  }
});
