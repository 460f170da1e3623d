import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionLogLimit } from '../../src/session/connection-log-limit.js';

describe('ConnectionLogLimit', () => {
  it('logs one line per connection per window', () => {
    const limit = new ConnectionLogLimit({ windowMs: 1000, maxLinesPerWindow: 10 });
    const hog = {};
    assert.deepEqual(limit.take(hog, 0), { suppressed: 0 });
    assert.equal(limit.take(hog, 500), null);
    assert.equal(limit.take(hog, 999), null);
    assert.deepEqual(limit.take(hog, 1000), { suppressed: 2 });
  });

  it('logs each connection in the same window', () => {
    const limit = new ConnectionLogLimit({ windowMs: 1000, maxLinesPerWindow: 10 });
    assert.deepEqual(limit.take('127.0.0.1:1000', 0), { suppressed: 0 });
    assert.deepEqual(limit.take('127.0.0.1:1001', 1), { suppressed: 0 });
  });

  it('caps the lines of one window across connections', () => {
    const limit = new ConnectionLogLimit({ windowMs: 1000, maxLinesPerWindow: 2 });
    assert.notEqual(limit.take({}, 0), null);
    assert.notEqual(limit.take({}, 0), null);
    assert.equal(limit.take({}, 0), null);
    assert.equal(limit.take({}, 10), null);
    assert.deepEqual(limit.take({}, 1000), { suppressed: 2 });
  });
});
