// jwt: JSON Web Tokens in compact serialisation (RFC 7519, RFC 7515 §7.1):
// three base64url segments joined by dots, the header starting `eyJ` (the
// base64url of `{"`). The signature may be empty, as in unsecured JWTs.
// Example: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln" matches;
// "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0" (two segments) does not.
import { findPatternSpans, type Detector } from './detector.js';
import { AFTER_ESCAPE } from './json-escape.js';

// Linear: each segment's class excludes the dot that ends it, and the
// lookbehind rejects starts inside a longer base64url run, unless the run
// is the end of a JSON string escape.
const JWT_PATTERN = new RegExp(String.raw`(?:(?<![A-Za-z0-9_-])|${AFTER_ESCAPE})eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`, 'dg');

export const jwtDetector: Detector = {
  name: 'jwt',
  find(text, maxMatches) {
    return findPatternSpans(JWT_PATTERN, text, maxMatches);
  },
};
