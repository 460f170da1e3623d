// Requests whose values the detectors did not all read: the time budget ran
// out, or a limit on values or characters left some out. An attacker who
// pads a request past a limit would otherwise hide a payload without a
// trace. So the request gets a protocol detection that names what was left
// out, and a process-wide count feeds ctxproc_detection_incomplete_total.
import type { ValueList } from './inputs.js';
import type { Detection } from './types.js';

/** Reason that detection stopped before it read every value of a request. */
export type IncompleteReason = 'time_budget' | 'input_limit';

const counts: Record<IncompleteReason, number> = { time_budget: 0, input_limit: 0 };

/** Returns how many requests were inspected in part since start, by reason. */
export function incompleteInspectionCounts(): Readonly<Record<IncompleteReason, number>> {
  return counts;
}

/**
 * Returns the `protocol.inspection_incomplete` detection for a request whose
 * detectors read `read` of the list's values, and counts it. Returns null
 * when they read every value of the request.
 */
export function incompleteInspection(list: ValueList, read: number, budgetMs: number): Detection | null {
  if (read < list.values.length) {
    counts.time_budget += 1;
    const next = list.values[read]!;
    return {
      class: 'protocol',
      detector: 'protocol.inspection_incomplete',
      location: next.location,
      matched: `detection used its time budget of ${budgetMs} ms after ${read} of ${list.values.length} values; ${next.location} and the values after it were not inspected`,
    };
  }
  if (list.firstLeftOut !== null) {
    counts.input_limit += 1;
    return {
      class: 'protocol',
      detector: 'protocol.inspection_incomplete',
      location: list.firstLeftOut,
      matched: `the request has more values than detection reads (512 values, 256 KiB in all); ${list.firstLeftOut} and the values after it were not inspected`,
    };
  }
  return null;
}
