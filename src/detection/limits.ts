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
