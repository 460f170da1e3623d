// private_key: PEM private key blocks (RFC 7468 §10 and §11, and the
// OpenSSH, RSA and EC variants), from the BEGIN line to the matching END
// line. A block whose END line is missing (the text was cut) is masked to
// the end of the text, because every line of it is secret.
// Example: "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----" matches whole;
// "-----BEGIN PUBLIC KEY-----" does not.
import type { Detector, Span } from './detector.js';

// Linear: the label words are upper-case runs separated by single spaces.
const BEGIN_PATTERN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g;
const END_PATTERN = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----/g;

export const privateKeyDetector: Detector = {
  name: 'private_key',
  find(text, maxMatches) {
    const spans: Span[] = [];
    BEGIN_PATTERN.lastIndex = 0;

    let begin = BEGIN_PATTERN.exec(text);
    while (begin !== null && spans.length < maxMatches) {
      END_PATTERN.lastIndex = BEGIN_PATTERN.lastIndex;
      const end = END_PATTERN.exec(text);
      const stop = end === null ? text.length : END_PATTERN.lastIndex;
      spans.push({ start: begin.index, end: stop });

      BEGIN_PATTERN.lastIndex = stop;
      begin = stop < text.length ? BEGIN_PATTERN.exec(text) : null;
    }

    BEGIN_PATTERN.lastIndex = 0;
    END_PATTERN.lastIndex = 0;
    return spans;
  },
};
