// card_number: payment card numbers (PANs) of 13 to 19 digits, written as
// one run or as groups separated by single spaces or dashes, accepted only
// when the Luhn check passes. Example: "4111 1111 1111 1111" and
// "4111-1111-1111-1111" match; "4111 1111 1111 1112" (Luhn fails), a
// 12-digit and a 20-digit run do not.
//
// A hand-written scanner instead of a regular expression, because the
// grouping matters: in "4111 1111 1111 1111 20" the card is the first four
// groups, and only whole groups are tried as card boundaries.
import type { Detector, Span } from './detector.js';

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/** Scratch space for the digits of one window; the scan is synchronous, so one buffer serves all calls. */
const windowDigits = new Uint8Array(MAX_DIGITS);

interface DigitGroup {
  start: number;
  end: number;
}

export const cardNumberDetector: Detector = {
  name: 'card_number',
  find(text, maxMatches) {
    const spans: Span[] = [];
    let index = 0;

    while (index < text.length && spans.length < maxMatches) {
      if (!isDigit(text.charCodeAt(index))) {
        index += 1;
        continue;
      }

      const groups = readDigitGroups(text, index);
      const runEnd = groups[groups.length - 1]!.end;
      if (!isWordChar(text.charCodeAt(index - 1)) && !isWordChar(text.charCodeAt(runEnd))) {
        findCardsInGroups(text, groups, spans, maxMatches);
      }
      index = runEnd;
    }

    return spans;
  },
};

/** Reads digit groups joined by single spaces or dashes, starting at a digit. */
function readDigitGroups(text: string, start: number): DigitGroup[] {
  const groups: DigitGroup[] = [];
  let position = start;

  for (;;) {
    const groupStart = position;
    while (isDigit(text.charCodeAt(position))) {
      position += 1;
    }
    groups.push({ start: groupStart, end: position });

    const separator = text.charCodeAt(position);
    const joined = (separator === 0x20 || separator === 0x2d) && isDigit(text.charCodeAt(position + 1));
    if (!joined) {
      return groups;
    }
    position += 1;
  }
}

/**
 * Scans the groups left to right; at each group, takes the longest window of
 * whole groups that contains 13 to 19 digits and passes Luhn. Each window spans
 * at most 19 digits, so the work per group is bounded.
 */
function findCardsInGroups(text: string, groups: DigitGroup[], spans: Span[], maxMatches: number): void {
  let first = 0;

  while (first < groups.length && spans.length < maxMatches) {
    const last = longestCardWindow(text, groups, first);
    if (last === -1) {
      first += 1;
      continue;
    }
    spans.push({ start: groups[first]!.start, end: groups[last]!.end });
    first = last + 1;
  }
}

/** Returns the index of the last group of the longest card starting at `first`, or -1. */
function longestCardWindow(text: string, groups: DigitGroup[], first: number): number {
  const digits = windowDigits;
  let count = 0;
  let best = -1;

  for (let last = first; last < groups.length; last += 1) {
    const group = groups[last]!;
    if (count + group.end - group.start > MAX_DIGITS) {
      break;
    }
    for (let position = group.start; position < group.end; position += 1) {
      digits[count] = text.charCodeAt(position) - 0x30;
      count += 1;
    }
    if (count >= MIN_DIGITS && luhnSum(digits, count) % 10 === 0) {
      best = last;
    }
  }

  return best;
}

/** Luhn (ISO/IEC 7812-1): double every second digit from the right; valid when the sum is a multiple of 10. */
function luhnSum(digits: Uint8Array, count: number): number {
  let sum = 0;
  let double = false;

  for (let index = count - 1; index >= 0; index -= 1) {
    let digit = digits[index]!;
    if (double) {
      digit *= 2;
      if (digit > 9) {
        digit -= 9;
      }
    }
    sum += digit;
    double = !double;
  }

  return sum;
}

/** Returns true when a string of ASCII digits passes the Luhn check. */
export function passesLuhn(digits: string): boolean {
  const values = Uint8Array.from(digits, (digit) => digit.charCodeAt(0) - 0x30);
  return luhnSum(values, values.length) % 10 === 0;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Letters, digits and underscore, as `\w`; NaN (outside the string) is not. */
function isWordChar(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}
