// email: e-mail addresses in the common dot-atom form (RFC 5322 §3.4.1),
// with a domain of at least two labels whose last is letters only. The @
// may be percent-encoded (%40), as in a query string. Quoted local parts
// and address literals are not recognised.
// Example: "ada.lovelace+shop@example.co.uk" and "ada%40example.com" match;
// "user@localhost" does not.
import { findPatternSpans, type Detector } from './detector.js';

// Local part and labels are bounded (64 and 63 characters, RFC 5321
// §4.5.3.1); the lookbehind keeps a match from starting inside a longer word.
const EMAIL_PATTERN = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}(?:@|%40)(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,63}(?![A-Za-z0-9-])/dg;

export const emailDetector: Detector = {
  name: 'email',
  find(text, maxMatches) {
    return findPatternSpans(EMAIL_PATTERN, text, maxMatches);
  },
};
