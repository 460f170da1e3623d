// Hard limits on the work detection does per transaction. An attacker chooses
// the input size and nesting, so every loop over input is bounded by one of these.

/** Body bytes inspected; the rest of a larger body is not scanned. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Characters of one value inspected; longer values are cut. */
export const MAX_VALUE_CHARS = 8 * 1024;

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
