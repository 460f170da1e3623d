// Encoded bodies are decoded once, on the first read, and plain bodies never.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { bodyJson, bodyText, forgetBodyViews } from '../../src/model/body-text.js';
import type { BodyCapture } from '../../src/model/exchange.js';
import { bodyDecoding, encodedText, isWholeBody, readableBytes } from '../../src/model/readable-body.js';

const JSON_TEXT = '{"user":"alice","q":"1 UNION SELECT 1"}';

function capture(bytes: Buffer, codings: string[] | null, parts: Partial<BodyCapture> = {}): BodyCapture {
  const encoding = codings === null ? undefined : { codings, maxDecodedBytes: 65536 };
  return { bytes, size: bytes.length, truncated: false, complete: true, ...(encoding ? { encoding } : {}), ...parts };
}

test('plain body is read as captured', () => {
  const plain = capture(Buffer.from(JSON_TEXT), null);

  assert.equal(readableBytes(plain), plain.bytes);
  assert.equal(bodyDecoding(plain), undefined);
  assert.equal(isWholeBody(plain), true);
});

test('gzip body decodes on first read', () => {
  const encoded = capture(zlib.gzipSync(JSON_TEXT), ['gzip']);
  assert.equal(bodyDecoding(encoded), undefined, 'decoded before any reader asked');

  assert.equal(bodyText(encoded), JSON_TEXT);
  assert.deepEqual(bodyJson(encoded), { user: 'alice', q: '1 UNION SELECT 1' });
  assert.equal(bodyDecoding(encoded)?.result, 'decoded');
  assert.equal(isWholeBody(encoded), true);
});

test('gzip body decodes once', () => {
  const encoded = capture(zlib.gzipSync(JSON_TEXT), ['gzip']);
  const first = readableBytes(encoded);

  // Dropping the text views and corrupting the encoded bytes proves the second read used the cached decoding.
  forgetBodyViews(encoded);
  encoded.bytes.fill(0);
  assert.equal(readableBytes(encoded), first);
  assert.equal(bodyText(encoded), JSON_TEXT);
});

test('cut encoded body is not whole', () => {
  const gzip = zlib.gzipSync(JSON_TEXT);
  const cut = capture(gzip.subarray(0, gzip.length - 4), ['gzip'], { size: gzip.length, truncated: true });

  assert.equal(bodyText(cut), JSON_TEXT);
  assert.equal(isWholeBody(cut), false);
  assert.equal(bodyDecoding(cut)?.result, 'truncated');
});

test('undecodable body is read encoded', () => {
  const garbage = capture(Buffer.from(JSON_TEXT), ['gzip']);
  const unknown = capture(Buffer.from(JSON_TEXT), ['compress']);

  assert.equal(bodyText(garbage), JSON_TEXT);
  assert.equal(bodyDecoding(garbage)?.result, 'failed');
  assert.equal(isWholeBody(garbage), true);
  assert.equal(bodyText(unknown), JSON_TEXT);
  assert.equal(bodyDecoding(unknown)?.result, 'unsupported');
});

test('encoded bytes are read raw only when decoding broke', () => {
  const text = Buffer.from(JSON_TEXT);
  const large = Buffer.from(Array.from({ length: 20_000 }, (_, index) => `line ${index} of an ordinary upload\n`).join(''));
  const cases: Array<[string, BodyCapture, 'whole' | 'runs' | null]> = [
    ['plain text under a gzip label', capture(text, ['gzip']), 'whole'],
    ['gzip that decodes whole', capture(zlib.gzipSync(large.subarray(0, 4000)), ['gzip']), null],
    ['gzip cut at the body limit', capture(zlib.gzipSync(large), ['gzip']), null],
    ['text after a gzip stream', capture(Buffer.concat([zlib.gzipSync(Buffer.from('a=1')), Buffer.from('&q=1 UNION SELECT 1')]), ['gzip']), 'runs'],
    ['unknown coding', capture(Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from('&q=1 UNION SELECT 1')]), ['zstd']), 'runs'],
  ];

  for (const [name, body, expected] of cases) {
    const read = encodedText(body, 65536);

    if (expected === null) {
      assert.equal(read, null, name);
    } else if (expected === 'whole') {
      assert.equal(read, JSON_TEXT, name);
    } else {
      assert.match(read ?? '', /UNION SELECT 1/, name);
    }
  }
});
