// basic_credentials: the credential of the Basic scheme (RFC 7617 §2), the
// base64 of "user-id:password" after the case-insensitive word `Basic`.
// A candidate counts only if it decodes to text containing a colon, which
// keeps prose such as "Basic plan" from matching. Example:
// "Basic dXNlcjpwYXNz" (user:pass) matches with span "dXNlcjpwYXNz".
import { findPatternSpans, type Detector } from './detector.js';
import { AFTER_ESCAPE } from './json-escape.js';

// Linear: the blanks, the base64 alphabet and the `=` padding are disjoint classes.
const BASIC_PATTERN = new RegExp(String.raw`(?:\b|${AFTER_ESCAPE})Basic(?:[ \t]|%20)+([A-Za-z0-9+/]+={0,2})`, 'dgi');

const COLON = 0x3a;

export const basicCredentialsDetector: Detector = {
  name: 'basic_credentials',
  find(text, maxMatches) {
    return findPatternSpans(BASIC_PATTERN, text, maxMatches, decodesToCredentials);
  },
};

function decodesToCredentials(encoded: string): boolean {
  return Buffer.from(encoded, 'base64').includes(COLON);
}
