// aws_access_key: AWS access key ids and secret access keys. A key id is 20
// upper-case letters and digits starting AKIA (long-term) or ASIA (temporary
// STS credentials). A secret access key is 40 base64 characters with no
// fixed prefix, so it is recognised only after a name such as
// aws_secret_access_key or AWS_SECRET_ACCESS_KEY followed by = or :.
// Example: "AKIAIOSFODNN7EXAMPLE" matches whole;
// "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" matches the 40 characters.
import { findPatternSpans, type Detector, type Span } from './detector.js';

// Linear: fixed lengths, and the lookarounds reject ids inside longer words.
const KEY_ID_PATTERN = /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/dg;

// Linear: the separators and the key characters are disjoint classes, each bounded.
const SECRET_KEY_PATTERN = /aws_?secret_?access_?key["']?[ \t]{0,8}[:=][ \t]{0,8}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dgi;

export const awsAccessKeyDetector: Detector = {
  name: 'aws_access_key',
  find(text, maxMatches) {
    const spans: Span[] = [...findPatternSpans(KEY_ID_PATTERN, text, maxMatches), ...findPatternSpans(SECRET_KEY_PATTERN, text, maxMatches)];
    spans.sort((left, right) => left.start - right.start);
    return spans.slice(0, maxMatches);
  },
};
