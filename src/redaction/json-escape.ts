// Raw JSON body text puts a letter or digit right before a value that
// follows an escape: `"line one\nghp_..."`. The detectors scan raw text, so
// their word-start checks must also accept the end of an escape.

/**
 * Lookbehind source that matches right after a JSON string escape (RFC 8259
 * section 7) whose last character is a letter or digit: `\b`, `\f`, `\n`,
 * `\r`, `\t` and `\uXXXX`. A word that merely ends in one of those letters
 * has no backslash before it.
 */
export const AFTER_JSON_ESCAPE = String.raw`(?<=\\[bfnrt])|(?<=\\u[0-9A-Fa-f]{4})`;
