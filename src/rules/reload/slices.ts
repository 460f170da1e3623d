// Runs a step generator in slices of a few milliseconds, resting between
// slices, so that a live reload of thousands of rules does not stop ctxproc
// from serving while it compiles. Startup runs the same steps at once
// (compileRuleFileSteps), since nothing is served yet.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Milliseconds of work per slice. Serving must not stall for more than
 * 10 ms, and one step (compiling one rule, checking one file) can run past
 * the slice, as can a garbage collection that falls inside it, so the
 * slice stays well below that. On the 2-core benchmark machine, 1 ms slices
 * cut the longest stall of a reload of 1,000 rules from up to 12.8 ms
 * (4 ms slices) to at most 9.7 ms, and made the reload about 3% longer
 * (docs/reliability.md).
 */
export const DEFAULT_SLICE_MS = 1;

/**
 * Milliseconds to rest after each slice. The event loop serves meanwhile,
 * and the compile allocates at half the rate, so V8's concurrent marking
 * keeps up and its steps on the main thread stay short: with a rest of
 * 1 ms and --v8-pool-size=1, no reload of 1,000 or 5,000 rules stalled
 * serving past 8.8 ms in 40 runs, against 8 of 40 past 10 ms (up to
 * 17.7 ms) with neither (docs/reliability.md, "Resting between slices").
 */
export const DEFAULT_REST_MS = 1;

/**
 * Value a step yields: nothing, or a promise that the next step waits for,
 * such as a file that a worker thread parses. Only runInSlices can wait.
 */
export type Step = void | Promise<unknown>;

/** Runs steps to the end, resting restMs whenever a slice of sliceMs has passed; resolves with the generator's result. */
export async function runInSlices<T>(steps: Generator<Step, T>, sliceMs = DEFAULT_SLICE_MS, restMs = DEFAULT_REST_MS): Promise<T> {
  let sliceEnd = performance.now() + sliceMs;
  for (;;) {
    const step = steps.next();
    if (step.done) {
      return step.value;
    }
    if (step.value instanceof Promise) {
      await step.value;
      sliceEnd = performance.now() + sliceMs;
    } else if (performance.now() >= sliceEnd) {
      // A timer, not a microtask: I/O callbacks (gRPC frames) run meanwhile.
      await sleep(restMs);
      sliceEnd = performance.now() + sliceMs;
    }
  }
}

/** Runs steps to the end without yielding, for startup and for callers that need the result at once. */
export function runAtOnce<T>(steps: Generator<Step, T>): T {
  let step = steps.next();
  while (!step.done) {
    if (step.value instanceof Promise) {
      throw new Error('a step waits for a promise, so the steps cannot run at once; run them with runInSlices');
    }
    step = steps.next();
  }
  return step.value;
}
