// iban: International Bank Account Numbers (ISO 13616): a country code, two
// check digits and 11 to 30 letters or digits, written compact or in groups
// of four separated by single spaces. A candidate counts only when its
// check digits pass the ISO 7064 mod 97-10 check, which rejects most
// look-alikes.
// Example: "DE89 3704 0044 0532 0130 00" matches; "DE00 3704 0044 0532 0130 00" does not.
import { findPatternSpans, type Detector } from './detector.js';

// 15 to 34 characters in all (the shortest IBAN, Norway's, has 15). Groups
// are bounded, so backtracking is bounded by the 34-character maximum.
const IBAN_PATTERN = /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/dg;

const MIN_LENGTH = 15;
const MAX_LENGTH = 34;

export const ibanDetector: Detector = {
  name: 'iban',
  find(text, maxMatches) {
    return findPatternSpans(IBAN_PATTERN, text, maxMatches, isValidIban);
  },
};

/** Returns true when candidate (spaces allowed) has an IBAN's length and passes mod 97-10. */
export function isValidIban(candidate: string): boolean {
  const compact = candidate.replaceAll(' ', '');
  if (compact.length < MIN_LENGTH || compact.length > MAX_LENGTH) {
    return false;
  }

  // ISO 7064 moves the country code and check digits to the end and reads
  // letters as 10 to 35. The number is reduced mod 97 digit by digit, and a
  // valid IBAN leaves 1.
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}
