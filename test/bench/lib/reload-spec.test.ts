import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../bench/lib/options.js';
import { formatReloadSpec, readReloadSpec } from '../../../bench/lib/reload-spec.js';

test('reload spec reads COUNTxFILES', () => {
  assert.deepEqual(readReloadSpec('reload', '5000x50'), { count: 5000, files: 50 });
  assert.deepEqual(readReloadSpec('reload', '1000'), { count: 1000, files: 1 });
  assert.equal(formatReloadSpec({ count: 1000, files: 1 }), '1000x1');
});

test('reload spec rejects bad items', () => {
  const cases: Array<[string, string]> = [
    ['0x1', '--reload item "0x1": COUNT is 0; expected a whole number from 1 to 1000000'],
    ['ax1', '--reload item "ax1": COUNT is "a"; expected a whole number from 1 to 1000000'],
    ['10x', '--reload item "10x": FILES is ""; expected a whole number from 1 to 10'],
    ['10x20', '--reload item "10x20": FILES is 20; expected a whole number from 1 to 10'],
    ['10x3', '--reload item "10x3": 10 rules do not divide evenly into 3 files; expected a COUNT that is a multiple of FILES'],
    ['10x2x1', '--reload item "10x2x1" has more than one x; expected COUNTxFILES, such as 5000x50'],
  ];

  for (const [item, message] of cases) {
    assert.throws(() => readReloadSpec('reload', item), (error: unknown) => error instanceof UsageError && error.message === message, item);
  }
});
