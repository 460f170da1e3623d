// Keeps each young-generation collection (scavenge) of a live reload short.
//
// Almost everything a rule compile allocates survives: the compiled rules,
// and each file's document until the compile ends. V8 then grows the young
// generation toward its maximum semi-space size, and each scavenge copies
// most of it. In a reload of 5,000 rules in 50 files, scavenges copied up
// to 13 MiB (`npm run bench:reload-gc`) and paused the event loop for more
// than 10 ms inside a 4 ms slice. Collecting the young generation between
// slices, once it contains more than YOUNG_GENERATION_LIMIT_BYTES, bounds
// what each scavenge copies. Serving outside reloads keeps V8's own schedule.
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Bytes the young generation may contain between slices before it is
 * collected. A scavenge copies only the live part, up to 2.5 MiB at this
 * limit in the benchmark. A lower limit copies less per scavenge but
 * promotes more short-lived objects, so the old generation fills faster
 * than concurrent marking keeps up. At 1 and 4 MiB, most mark-compacts
 * after a reload of 5,000 rules did 30 to 300 ms of marking in their pause
 * on a busy machine. At 8 MiB, 5 of 6 did under 3 ms, as without this
 * module.
 */
export const YOUNG_GENERATION_LIMIT_BYTES = 8 * 1024 * 1024;

type CollectGarbage = (options: { type: 'minor' }) => void;

const collectGarbage = exposeCollector();

/**
 * Returns V8's gc() function. `--expose-gc` set at run time installs it on
 * contexts created afterwards, so one new context fetches it. The main
 * context gets no global gc. Returns null when the flag cannot be set, and
 * reloads then leave collections to V8.
 */
function exposeCollector(): CollectGarbage | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const collector: unknown = vm.runInNewContext('gc');
    return typeof collector === 'function' ? (collector as CollectGarbage) : null;
  } catch {
    return null;
  }
}

/** Runs a scavenge when the young generation contains more than `limitBytes`, and returns whether it ran. */
export function collectYoungGenerationOver(limitBytes = YOUNG_GENERATION_LIMIT_BYTES): boolean {
  if (collectGarbage === null || youngGenerationBytes() <= limitBytes) {
    return false;
  }
  collectGarbage({ type: 'minor' });
  return true;
}

/** Bytes in use in V8's young generation ('new_space'). */
export function youngGenerationBytes(): number {
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') {
      return space.space_used_size;
    }
  }
  return 0;
}
