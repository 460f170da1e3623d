// A load-time check that a user's regular expression cannot backtrack
// catastrophically. JavaScript's RegExp backtracks, so a pattern such as
// (a+)+$ takes exponential time on a string of a's followed by one other
// character. Rather than time patterns, which depends on the machine, the
// check rejects the constructs that cause it. It is conservative: some safe
// patterns, such as (a|b)+, are rejected too, and the message shows how to
// rewrite them ([ab]+).

/** Maximum pattern length accepted, in characters. */
export const MAX_PATTERN_CHARS = 512;

/**
 * Largest count ({n} or {n,m}) that V8's linear-time engine runs. A pattern
 * with a larger count stays on the backtracking engine for every match
 * (measured on Node 24.21: a{17}a*a*a*a*b on 200 a's takes 13 s, the same
 * with a{16} well under 1 ms), so it may repeat only one part variably.
 */
export const MAX_LINEAR_ENGINE_COUNT = 16;

interface Group {
  /** A quantifier with a maximum above one appears inside the group. */
  repeats: boolean;
  /** The group has a top-level alternative (`|`). */
  alternates: boolean;
}

/**
 * Returns why `source` is unsafe or invalid, or null when it is safe. The
 * checks: valid syntax (as a RegExp without flags, the form rule patterns
 * run in), no backreferences, lookaround or inline flag groups, no
 * repetition of a group that itself repeats or alternates, and no match of
 * the empty string. The first three also keep the pattern within what V8's
 * linear-time engine runs (see runtime/linear-regexp.ts), which rejects
 * backreferences, lookaround and the i, u and d flags.
 */
export function regexProblem(source: string): string | null {
  if (source.length > MAX_PATTERN_CHARS) {
    return `pattern is ${source.length} characters long; the maximum is ${MAX_PATTERN_CHARS}`;
  }

  let compiled: RegExp;
  try {
    compiled = new RegExp(source);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }

  const structural = structureProblem(source);
  if (structural) {
    return structural;
  }
  if (compiled.test('')) {
    return 'pattern matches the empty string, so it would mask nothing useful; require at least one character';
  }
  return null;
}

function structureProblem(source: string): string | null {
  const stack: Group[] = [{ repeats: false, alternates: false }];
  const counts = { largest: 0, variable: 0 };
  const note = (quantifier: Quantifier | null): void => {
    if (quantifier) {
      counts.largest = Math.max(counts.largest, quantifier.min, Number.isFinite(quantifier.max) ? quantifier.max : 0);
      counts.variable += quantifier.min === quantifier.max ? 0 : 1;
    }
  };
  let index = 0;

  while (index < source.length) {
    const char = source[index]!;

    if (char === '(') {
      if (/^\(\?<?[=!]/.test(source.slice(index, index + 4))) {
        return 'lookahead and lookbehind are not allowed; match the text itself';
      }
      if (/^\(\?[-imsx]/.test(source.slice(index, index + 3))) {
        return 'inline flag groups such as (?i:...) are not allowed; write both cases in a class, such as [Aa]';
      }
      stack.push({ repeats: false, alternates: false });
      index += source[index + 1] === '?' ? groupPrefixLength(source, index) : 1;
      continue;
    }
    if (char === '|') {
      stack.at(-1)!.alternates = true;
      index += 1;
      continue;
    }
    if (char === ')') {
      const group = stack.pop()!;
      const quantifier = readQuantifier(source, index + 1);
      note(quantifier);
      if (quantifier && quantifier.max > 1 && group.repeats) {
        return 'a repeated group contains a repetition, as in (a+)+: this backtracks exponentially; repeat the inner part only';
      }
      if (quantifier && quantifier.max > 1 && group.alternates) {
        return 'a repeated group contains alternatives, as in (a|b)+: write a character class such as [ab]+ instead';
      }
      stack.at(-1)!.repeats ||= group.repeats || (quantifier !== null && quantifier.max > 1);
      index += 1 + (quantifier?.length ?? 0);
      continue;
    }
    if (char === '\\' && /[1-9k]/.test(source[index + 1] ?? '')) {
      return 'backreferences (\\1, \\k<name>) are not allowed: they make matching exponential';
    }

    // A single atom: an escape, a character class or a character, then its quantifier.
    index = atomEnd(source, index);
    const quantifier = readQuantifier(source, index);
    note(quantifier);
    if (quantifier) {
      stack.at(-1)!.repeats ||= quantifier.max > 1;
      index += quantifier.length;
    }
  }

  if (counts.largest > MAX_LINEAR_ENGINE_COUNT && counts.variable > 1) {
    return `a count above ${MAX_LINEAR_ENGINE_COUNT} keeps V8 from running the pattern on its linear-time engine, so it may repeat only one part variably (it has ${counts.variable}); lower the counts or split the pattern`;
  }
  return null;
}

/** Returns the index after the atom at `start`; the caller checked the syntax with RegExp. */
function atomEnd(source: string, start: number): number {
  const char = source[start];
  if (char === '\\') {
    const braced = source[start + 1] === 'u' || source[start + 1] === 'p' || source[start + 1] === 'P';
    const close = braced && source[start + 2] === '{' ? source.indexOf('}', start) : -1;
    return close === -1 ? start + 2 : close + 1;
  }
  if (char === '[') {
    let index = start + 1;
    while (index < source.length && source[index] !== ']') {
      index += source[index] === '\\' ? 2 : 1;
    }
    return index + 1;
  }
  return start + 1;
}

function groupPrefixLength(source: string, start: number): number {
  if (source.startsWith('(?:', start)) {
    return 3;
  }
  const named = /^\(\?<[A-Za-z_][A-Za-z0-9_]*>/.exec(source.slice(start));
  return named ? named[0].length : 2;
}

interface Quantifier {
  min: number;
  max: number;
  length: number;
}

/** Reads a quantifier at `index`: *, +, ?, {n}, {n,}, {n,m}, each optionally lazy. */
function readQuantifier(source: string, index: number): Quantifier | null {
  const match = /^(?:([*+?])|\{(\d+)(,(\d*))?\})\??/.exec(source.slice(index, index + 24));
  if (!match) {
    return null;
  }
  if (match[1]) {
    return { min: match[1] === '+' ? 1 : 0, max: match[1] === '?' ? 1 : Infinity, length: match[0].length };
  }
  const min = Number(match[2]);
  let max = min;
  if (match[3] !== undefined) {
    max = match[4] === '' ? Infinity : Number(match[4]);
  }
  return { min, max, length: match[0].length };
}
