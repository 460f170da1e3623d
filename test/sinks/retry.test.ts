import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, classifyStatus, retryAfterMs } from '../../src/sinks/retry.js';

test('intake statuses map to reactions', () => {
  const cases: Array<[number, string]> = [
    [200, 'delivered'], [202, 'delivered'],
    [408, 'retry'], [429, 'retry'], [500, 'retry'], [503, 'retry'], [504, 'retry'],
    [413, 'split'],
    [400, 'rejected'], [401, 'rejected'], [403, 'rejected'], [404, 'rejected'],
  ];
  for (const [status, expected] of cases) {
    assert.equal(classifyStatus(status), expected, `status ${status}`);
  }
});

test('backoff doubles within jitter bounds', () => {
  const options = { baseMs: 100, maxMs: 1000 };
  const expectedSteps = [100, 200, 400, 800, 1000, 1000];
  expectedSteps.forEach((step, index) => {
    assert.equal(backoffDelay(index + 1, options, () => 0), step / 2, `attempt ${index + 1} lowest`);
    assert.equal(backoffDelay(index + 1, options, () => 1), step, `attempt ${index + 1} highest`);
  });
});

test('retry-after reads whole seconds', () => {
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT'), null);
});
