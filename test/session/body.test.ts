// BodyAccumulator: keeps a body up to the limit, as a view of a chunk that
// is mostly body, and as a copy of a chunk that is a small part of a larger
// message, so a kept body never keeps a large message's memory alive.
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
