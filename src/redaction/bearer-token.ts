// bearer_token: the credential of the Bearer scheme (RFC 6750 §2.1), a
// token68 (RFC 7235 §2.1) after the case-insensitive word `Bearer` and one
// or more spaces or tabs (RFC 9110 §5.6.3 allows tabs where it allows spaces). Only the token is masked, so "Bearer " stays readable.
// Example: "Bearer mF_9.B5f-4.1JqM" matches with span "mF_9.B5f-4.1JqM".
// A `+` counts as a space too, since a query or form value encodes the
// space that way ("Bearer+mF_9" is the same credential).
// Prose such as "Bearer token missing" matches too ("token"): the detector
// cannot tell a word from a token, and masking a word costs less than
// leaking a token.
import { findPatternSpans, type Detector } from './detector.js';
import { AFTER_ESCAPE } from './json-escape.js';

// Linear: the blanks and the token characters share only `+`, and a token
// character always follows a run of them, so the engine gives back at most
// one `+` before the match succeeds.
const BEARER_PATTERN = new RegExp(String.raw`(?:\b|${AFTER_ESCAPE})Bearer(?:[ \t+]|%20)+([A-Za-z0-9\-._~+/]+=*)`, 'dgi');

export const bearerTokenDetector: Detector = {
  name: 'bearer_token',
  find(text, maxMatches) {
    return findPatternSpans(BEARER_PATTERN, text, maxMatches);
  },
};
