// Replay items, the output of the replay parsers: one per HTTP transaction
// to send through the Envoy-faithful client, or a skipped item that explains
// why Envoy would never have called ext_proc for it.
import type { HttpRequestSpec, HttpResponseSpec } from '../client/types.js';

/** A recorded browser transaction; its response is replayed as recorded. */
export interface HarItem {
  kind: 'har';
  /** File name and 1-based entry number, e.g. `login.har#3`. */
  source: string;
  request: HttpRequestSpec;
  response: HttpResponseSpec;
}

/** Expectations of go-ftw for one stage, kept for detection measurements. */
export interface FtwExpectation {
  /** CRS rule ids that must fire (`output.log.expect_ids`). */
  ids?: number[];
  /** CRS rule ids that must not fire (`output.log.no_expect_ids`). */
  noIds?: number[];
  /** Accepted response statuses (`output.status`). */
  status?: number[];
  /** True when go-ftw expects the connection to fail (`output.expect_error`). */
  expectError?: boolean;
}

/** One go-ftw test stage; its response comes from the reflecting upstream. */
export interface FtwItem {
  kind: 'ftw';
  /** File name, test id and 1-based stage number, e.g. `942100.yaml#test 3 stage 1`. */
  source: string;
  request: HttpRequestSpec;
  expect: FtwExpectation;
  /** Differences between the bytes go-ftw sends and what Envoy forwards. */
  notes: string[];
}

/** A transaction that is not sent, because Envoy would reject it before ext_proc. */
export interface SkippedItem {
  kind: 'skipped';
  source: string;
  /** Short fixed category, e.g. `http1_invalid_version`; summaries count by it. */
  reason: string;
  /** One sentence for a person: the value at fault and Envoy's reply. */
  detail: string;
}

export type ReplayItem = HarItem | FtwItem;

export type ParsedItem = ReplayItem | SkippedItem;

/** Builds a skipped item. */
export function skipped(source: string, reason: string, detail: string): SkippedItem {
  return { kind: 'skipped', source, reason, detail };
}
