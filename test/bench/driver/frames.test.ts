import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame } from '../../../bench/driver/traffic.js';
import { countMessages } from '../../../bench/driver/frames.js';

test('countMessages counts whole messages in one chunk', () => {
  const reader = { pending: null };
  const chunk = Buffer.concat([frame(Buffer.from('ab')), frame(Buffer.alloc(0)), frame(Buffer.from('xyz'))]);

  assert.equal(countMessages(reader, chunk), 3);
  assert.equal(reader.pending, null);
});

test('countMessages joins a message split across chunks', () => {
  const reader = { pending: null as Buffer | null };
  const whole = Buffer.concat([frame(Buffer.from('hello')), frame(Buffer.from('world!'))]);

  // Split inside the second message's 5-byte prefix, then inside its payload.
  assert.equal(countMessages(reader, whole.subarray(0, 12)), 1);
  assert.equal(countMessages(reader, whole.subarray(12, 17)), 0);
  assert.equal(countMessages(reader, whole.subarray(17)), 1);
  assert.equal(reader.pending, null);
});
