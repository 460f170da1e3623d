// Hard limits on the work detection does per transaction. An attacker chooses
// the input size and nesting, so every loop over input is bounded by one of these.

/** Body bytes inspected; the rest of a larger body is not scanned. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Characters of one inspected piece of a value. A longer value is inspected as overlapping pieces of this size. */
export const MAX_VALUE_CHARS = 8 * 1024;

/**
 * Characters that consecutive pieces of a long value share, so that an
 * attack cut at one piece's end is whole in the next. It covers the longest
 * bounded pattern of the detectors (an expression body of 256 characters
 * on each side of its keyword) with room to spare.
 * NOTE: a base64 data URL is decoded from at most 8 KiB (SVG) or 4 KiB
 * (PHP) of text. One that starts near a piece's end is decoded from less,
 * and a longer overlap would cost more on every long value.
 */
export const VALUE_PIECE_OVERLAP_CHARS = 1024;

/**
 * Characters inspected over all values of one transaction. A value past it
 * is cut or skipped. This is room for a whole body twice (as received and
 * still encoded) and as much again for the path, query and headers.
 */
export const MAX_INSPECTED_CHARS = 4 * MAX_BODY_BYTES;

/**
 * Milliseconds of detection per request unless --detection-budget sets
 * another, checked after each value. One value of 8 KiB costs at most about
 * 1 ms, so detection keeps the event loop for about 6 ms at most, even on
 * input built to be slow. What is left is reported as the detection
 * `protocol.inspection_incomplete`.
 */
export const DETECTION_BUDGET_MS = 5;

/**
 * Values and characters always read, whatever the budget: a request of
 * ordinary size is read whole even when the host is too busy to run it
 * within the budget. Input built to be slow costs an estimated 3.5 ms for
 * this much: 64 values at the 27 µs measured for the slowest short value,
 * and 16 KiB at 0.11 µs per character, the slowest text measured.
 */
export const BUDGET_FREE_VALUES = 64;
export const BUDGET_FREE_CHARS = 16 * 1024;

/** Values (parameters, headers, cookies, body fields) inspected per transaction. */
export const MAX_VALUES = 512;

/** Nesting depth followed in JSON bodies. */
export const MAX_JSON_DEPTH = 16;

/** Rounds of URL decoding; attackers rarely encode more than twice. */
export const MAX_URL_DECODE_ROUNDS = 3;

/** Multipart parts read from one body. */
export const MAX_MULTIPART_PARTS = 64;

/** Characters of decoded text kept in Detection.matched. */
export const MAX_MATCHED_CHARS = 256;
