// Runs a step generator in slices of a few milliseconds, yielding to the
// event loop between slices, so that a live reload of thousands of rules
// does not stop ctxproc from serving while it compiles. Startup runs the
// same steps at once (compileRuleFiles), since nothing is served yet.
import { setImmediate as nextTurn } from 'node:timers/promises';

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
 * Value a step yields: nothing, or a promise that the next step waits for,
 * such as a file that a worker thread parses. Only runInSlices can wait.
 */
export type Step = void | Promise<unknown>;

/** Runs steps to the end, giving the event loop a turn whenever a slice of sliceMs has passed; resolves with the generator's result. */
export async function runInSlices<T>(steps: Generator<Step, T>, sliceMs = DEFAULT_SLICE_MS): Promise<T> {
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
      // setImmediate, not a microtask: pending I/O callbacks (gRPC frames) run first.
      await nextTurn();
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
