// The reload's scavenge between slices runs only over its limit, and
// empties the young generation of what it held.
import assert from 'node:assert/strict';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { test } from 'node:test';
import { collectYoungGenerationOver, youngGenerationBytes } from '../../../src/rules/reload/young-generation.js';

const MIB = 1024 * 1024;

/** Allocates small objects, kept alive, until the young generation contains more than `bytes`, in at most 10,000 rounds. */
function fillYoungGeneration(bytes: number): object[] {
  const survivors: object[] = [];
  for (let round = 0; round < 10_000 && youngGenerationBytes() <= bytes; round += 1) {
    for (let i = 0; i < 100; i += 1) {
      survivors.push({ round, i, name: `rule-${round}-${i}` });
    }
  }
  return survivors;
}

/** Runs `action` and resolves with its result and the number of scavenges that started while it ran. */
async function countScavenges<T>(action: () => T): Promise<{ result: T; scavenges: number }> {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });

  const from = performance.now();
  const result = action();
  const to = performance.now();
  // The observer reports gc entries on a later turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();

  const scavenges = entries.filter((entry) => (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR && entry.startTime >= from && entry.startTime <= to).length;
  return { result, scavenges };
}

test('scavenge runs over the limit', async () => {
  const survivors = fillYoungGeneration(2 * MIB);
  const before = youngGenerationBytes();

  const { result: collected, scavenges } = await countScavenges(() => collectYoungGenerationOver(MIB));

  assert.ok(before > 2 * MIB, `the young generation held only ${before} bytes`);
  assert.equal(collected, true);
  assert.equal(scavenges, 1);
  // Keeps the objects alive until here, so the young generation held them.
  void survivors;
});

test('no scavenge under the limit', async () => {
  const survivors = fillYoungGeneration(MIB);
  const before = youngGenerationBytes();

  const { result: collected, scavenges } = await countScavenges(() => collectYoungGenerationOver(Number.MAX_SAFE_INTEGER));

  assert.equal(collected, false);
  assert.ok(before > MIB, `the young generation held only ${before} bytes`);
  assert.equal(scavenges, 0);
  void survivors;
});
