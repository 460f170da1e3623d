// contains() with a literal needle, for the short subjects that header
// values usually are. String.prototype.includes cost about 5 ns per call
// above the loop in V8 (Node 24), even on a 16-unit subject. Below
// MAX_SCANNED_LENGTH code units, a Boyer-Moore-Horspool scan written in
// JavaScript reads a few characters instead: on 'application/json' and the
// needle 'multipart', 2.5 ns against 4.8 ns above the loop (Node 24, one
// core of a shared 2-CPU machine). Longer subjects go to includes, which
// wins there: 10 against 18 ns at 64 code units. Subjects of
// MIN_ANCHORED_LENGTH units or more, such as request bodies, go to the
// search of anchored-search.ts instead.
import { anchoredIncludes, MIN_ANCHORED_LENGTH } from './anchored-search.js';

/** Maximum subject length, in UTF-16 code units, scanned in JavaScript. includes() searches longer subjects, because it was faster from about 32 units on. */
const MAX_SCANNED_LENGTH = 32;

/** Size of the shift table: needles with a code unit at or above it keep includes(). */
const TABLE_SIZE = 256;

/** A literal needle with its Horspool shift table, built once at compile time. */
export class NeedleSearch {
  constructor(
    readonly needle: string,
    /**
     * Distance the window may move, for each code unit below TABLE_SIZE
     * under the window's last position. Null when the needle keeps
     * includes(): shorter than 2, longer than 255, or with a code unit at or
     * above TABLE_SIZE.
     */
    readonly shifts: Uint8Array | null,
  ) {}
}

/** Builds the search for needle, with a shift table when the JavaScript scan applies to it. */
export function needleSearch(needle: string): NeedleSearch {
  const length = needle.length;
  if (length < 2 || length > 255 || hasCodeUnitAtOrAbove(needle, TABLE_SIZE)) {
    return new NeedleSearch(needle, null);
  }

  // Horspool's bad-character rule: a unit that is not in the needle, apart
  // from its last position, moves the window by the needle's whole length.
  const shifts = new Uint8Array(TABLE_SIZE).fill(length);
  for (let i = 0; i < length - 1; i++) {
    shifts[needle.charCodeAt(i)] = length - 1 - i;
  }
  return new NeedleSearch(needle, shifts);
}

function hasCodeUnitAtOrAbove(text: string, limit: number): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= limit) {
      return true;
    }
  }
  return false;
}

/** Returns subject.includes(search.needle), by code units as includes() compares. */
export function containsNeedle(search: NeedleSearch, subject: string): boolean {
  const shifts = search.shifts;
  if (subject.length >= MIN_ANCHORED_LENGTH && search.needle.length >= 2) {
    return anchoredIncludes(search.needle, subject);
  }
  if (shifts === null || subject.length > MAX_SCANNED_LENGTH) {
    return subject.includes(search.needle);
  }
  return scanShortSubject(search.needle, shifts, subject);
}

function scanShortSubject(needle: string, shifts: Uint8Array, subject: string): boolean {
  const last = needle.length - 1;
  const lastUnit = needle.charCodeAt(last);

  for (let end = last; end < subject.length;) {
    const unit = subject.charCodeAt(end);
    if (unit === lastUnit && windowMatches(needle, subject, end - last)) {
      return true;
    }
    // A unit at or above the table's size is not in the needle, so the whole needle length is safe.
    end += unit < TABLE_SIZE ? (shifts[unit] as number) : needle.length;
  }
  return false;
}

/** Returns true when needle, apart from its last unit, which the caller compared, starts at start in subject. */
function windowMatches(needle: string, subject: string, start: number): boolean {
  for (let i = needle.length - 2; i >= 0; i--) {
    if (subject.charCodeAt(start + i) !== needle.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}
