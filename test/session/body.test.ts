import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyAccumulator } from '../../src/session/body.js';

test('body keeps chunks in order', () => {
  const body = new BodyAccumulator(64 * 1024);
  const chunks = Array.from({ length: 300 }, (_, i) => Buffer.alloc(16, i % 256));

  chunks.forEach((chunk, i) => body.append(chunk, i === chunks.length - 1));
  const capture = body.capture();

  assert.deepEqual(capture.bytes, Buffer.concat(chunks));
  assert.equal(capture.size, 300 * 16);
  assert.equal(capture.truncated, false);
  assert.equal(capture.complete, true);
});

test('body truncates at the limit', () => {
  const body = new BodyAccumulator(100);

  assert.equal(body.append(Buffer.alloc(60, 1), false), false);
  assert.equal(body.append(Buffer.alloc(60, 2), false), true);
  assert.equal(body.append(Buffer.alloc(60, 3), true), false);
  const capture = body.capture();

  assert.deepEqual(capture.bytes, Buffer.concat([Buffer.alloc(60, 1), Buffer.alloc(40, 2)]));
  assert.equal(capture.size, 180);
  assert.equal(capture.truncated, true);
});

test('body capture survives later growth', () => {
  const body = new BodyAccumulator(1 << 20);
  body.append(Buffer.from('first'), false);
  const early = body.capture();

  body.append(Buffer.alloc(10_000, 7), true);

  assert.equal(early.bytes.toString(), 'first');
  assert.equal(body.capture().bytes.length, 10_005);
  assert.equal(body.capture().bytes.subarray(0, 5).toString(), 'first');
});

test('body copies, not views, its input', () => {
  const body = new BodyAccumulator(1024);
  const chunk = Buffer.from('secret');
  body.append(chunk, true);

  chunk.fill(0);

  assert.equal(body.capture().bytes.toString(), 'secret');
  assert.notEqual(body.capture().bytes.buffer, chunk.buffer);
});
