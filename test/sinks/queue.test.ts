import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineQueue } from '../../src/sinks/queue.js';

test('queue evicts oldest past max events', () => {
  const queue = new LineQueue({ maxEvents: 3, maxBytes: 1000 });
  for (const line of ['a', 'b', 'c']) {
    assert.deepEqual(queue.push(line), []);
  }

  assert.deepEqual(queue.push('d'), ['a']);
  assert.equal(queue.length, 3);
  assert.deepEqual(queue.take(10, 1000), ['b', 'c', 'd']);
});

test('queue evicts oldest past max bytes', () => {
  const queue = new LineQueue({ maxEvents: 100, maxBytes: 10 });
  queue.push('12345');
  queue.push('67890');

  assert.deepEqual(queue.push('xy'), ['12345']);
  assert.equal(queue.bytes, 7);
});

test('queue keeps one line larger than max bytes', () => {
  const queue = new LineQueue({ maxEvents: 100, maxBytes: 4 });

  assert.deepEqual(queue.push('123456'), []);
  assert.equal(queue.length, 1);
});

test('queue take respects count and bytes', () => {
  const queue = new LineQueue({ maxEvents: 100, maxBytes: 1000 });
  for (let index = 0; index < 10; index += 1) {
    queue.push(`line-${index}`);
  }

  assert.deepEqual(queue.take(3, 1000), ['line-0', 'line-1', 'line-2']);
  assert.deepEqual(queue.take(100, 13), ['line-3', 'line-4']);
  assert.equal(queue.length, 5);
});

test('queue take returns one oversized line', () => {
  const queue = new LineQueue({ maxEvents: 100, maxBytes: 1000 });
  queue.push('a-long-line');

  assert.deepEqual(queue.take(10, 2), ['a-long-line']);
});

test('queue stays in order across compaction', () => {
  const queue = new LineQueue({ maxEvents: 5000, maxBytes: 1_000_000 });
  for (let index = 0; index < 3000; index += 1) {
    queue.push(String(index));
  }
  const first = queue.take(2500, 1_000_000);
  queue.push('3000');

  assert.equal(first.at(-1), '2499');
  assert.deepEqual(queue.take(2, 1_000_000), ['2500', '2501']);
  assert.equal(queue.length, 499);
});
