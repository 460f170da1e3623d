// BodyAccumulator: keeps a body up to the limit in one buffer of its own, or
// as a view of a first chunk that is mostly body. A chunk that is a small
// part of a larger message is copied, so a kept body never keeps a large
// message's memory alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyAccumulator } from '../../src/session/body.js';

test('large body kept as view', () => {
  const message = Buffer.alloc(16_400, 'a');
  const body = message.subarray(12);
  const accumulator = new BodyAccumulator(65_536);

  accumulator.append(body, true);
  const capture = accumulator.capture();

  assert.equal(capture.bytes.length, 16_388);
  assert.equal(capture.bytes.buffer, message.buffer, 'the capture shares the message memory');
  assert.equal(capture.complete, true);
});

test('pooled body kept as view', () => {
  const message = Buffer.allocUnsafe(16_400).fill('p');
  const accumulator = new BodyAccumulator(65_536);

  accumulator.append(message.subarray(10), true);

  assert.equal(accumulator.capture().bytes.buffer, message.buffer);
  assert.equal(accumulator.capture().bytes.length, 16_390);
});

test('small part of large message copied', () => {
  const message = Buffer.alloc(1_000_000, 'b');
  const body = message.subarray(0, 8_192);
  const accumulator = new BodyAccumulator(65_536);

  accumulator.append(body, true);
  message.fill('c');

  const capture = accumulator.capture();
  assert.notEqual(capture.bytes.buffer, message.buffer, 'the capture has its own memory');
  assert.equal(capture.bytes.toString(), 'b'.repeat(8_192));
});

test('body cut at limit copied', () => {
  const message = Buffer.alloc(200_000, 'd');
  const accumulator = new BodyAccumulator(10_000);

  assert.equal(accumulator.append(message, true), true, 'the chunk crossed the limit');
  message.fill('e');

  const capture = accumulator.capture();
  assert.equal(capture.bytes.toString(), 'd'.repeat(10_000));
  assert.equal(capture.size, 200_000);
  assert.equal(capture.truncated, true);
});

test('small body copied', () => {
  const message = Buffer.from('{"a":1}');
  const accumulator = new BodyAccumulator(65_536);

  accumulator.append(message, true);
  message.fill(0x20);

  assert.equal(accumulator.capture().bytes.toString(), '{"a":1}');
});

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

test('body viewed first chunk grows into own buffer', () => {
  const message = Buffer.alloc(16_400, 'f');
  const accumulator = new BodyAccumulator(65_536);

  accumulator.append(message.subarray(16), false);
  accumulator.append(Buffer.from('tail'), true);
  message.fill('g');

  const capture = accumulator.capture();
  assert.notEqual(capture.bytes.buffer, message.buffer, 'the second chunk moved the body into its own buffer');
  assert.equal(capture.bytes.toString(), `${'f'.repeat(16_384)}tail`);
});
