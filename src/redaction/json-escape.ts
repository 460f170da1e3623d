// Raw body text puts a letter or digit right before a value that follows an
// escape: `"line one\nghp_..."`, `q=hello%20ghp_...`. The detectors scan raw
// text, so their word-start checks must also accept the end of an escape.

/**
 * Lookbehind source that matches right after an escape whose last character
 * is a letter or digit, so that a value right after it still starts a word.
 * The escapes are JSON's `\b`, `\f`, `\n`, `\r`, `\t` and `\uXXXX` (RFC 8259 section 7),
 * C and JavaScript's `\a`, `\e`, `\v`, `\0`, octal and `\xXX`,
 * percent-encoding's `%XX` (RFC 3986 section 2.1), doubled as `%25XX` or
 * as `%uXXXX`, quoted-printable's `=XX` (RFC 2045 section 6.7), and HTML
 * character references without their `;` (`&#10`, `&quot`). A word that
 * merely ends in one of those letters has no backslash, `%`, `=` or `&`
 * before it.
 */
export const AFTER_ESCAPE = String.raw`(?<=\\[abefnrtv0])|(?<=\\[0-7]{1,3})|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\x[0-9A-Fa-f]{2})|(?<=%(?:25)?[0-9A-Fa-f]{2})|(?<=%u[0-9A-Fa-f]{4})|(?<==[0-9A-F]{2})|(?<=&#x?[0-9A-Fa-f]{1,6})|(?<=&[A-Za-z]{2,8})`;
