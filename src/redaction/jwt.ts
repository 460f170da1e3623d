// jwt: JSON Web Tokens in compact serialisation (RFC 7519, RFC 7515 §7.1):
// three base64url segments joined by dots, the header starting as the
// base64url of a JSON object does. The signature may be empty, as in
// unsecured JWTs, or cut off with its dot, when the claims start as a JSON
// object does too, since they are what a token discloses.
// Example: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln" matches, and so does
// "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0"; "ewok.example.com" does not.
import { findPatternSpans, type Detector } from './detector.js';
import { AFTER_ESCAPE } from './json-escape.js';

/**
 * The base64url of `{` and then `"` (eyJ), or of `{` and one blank (space,
 * tab, line feed, carriage return) and then `"` or a blank: a JSON object's
 * start as encoders write it, `{"alg"` or `{ "alg"` or `{\n  "alg"`.
 */
const JSON_OBJECT_START = String.raw`(?:eyJ|eyA[giJKN]|ew[0ko][giJKN])`;

// Linear: each segment's class excludes the dot that ends it, and the
// lookbehind rejects starts inside a longer base64url run, unless the run
// is the end of a JSON string escape.
const JWT_PATTERN = new RegExp(
  String.raw`(?:(?<![A-Za-z0-9_-])|${AFTER_ESCAPE})${JSON_OBJECT_START}[A-Za-z0-9_-]+\.(?:${JSON_OBJECT_START}[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)`,
  'dg',
);

export const jwtDetector: Detector = {
  name: 'jwt',
  find(text, maxMatches) {
    return findPatternSpans(JWT_PATTERN, text, maxMatches);
  },
};
