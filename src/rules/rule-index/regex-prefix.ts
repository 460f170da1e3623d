// The literal text every match of a pattern starts with. The compiler runs
// matches() as `new RegExp(pattern).test(value)`, without flags, so `^`
// matches only at the start of the value, and the literal characters after
// it must open the value for an anchored pattern to match. Any match of an
// unanchored pattern contains them.

/** Characters with a meaning in a JavaScript pattern outside a class. */
const SYNTAX = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}']);

/** Characters that repeat or make optional the atom before them. */
const QUANTIFIERS = new Set(['?', '*', '+', '{']);

/**
 * Returns the literal prefix of a pattern that starts with `^`, or null when
 * it has none that every match shares. Any `|` gives null, because an
 * alternative need not start with the prefix.
 */
export function anchoredLiteralPrefix(pattern: string): string | null {
  if (!pattern.startsWith('^')) {
    return null;
  }
  return leadingLiteral(pattern);
}

/**
 * Returns the literal text that every match of pattern starts with, after
 * an optional `^`, or null when a `|` leaves none that every match shares.
 * The text may be empty.
 */
export function leadingLiteral(pattern: string): string | null {
  if (pattern.includes('|')) {
    return null;
  }

  const literal: string[] = [];
  let position = pattern.startsWith('^') ? 1 : 0;
  while (position < pattern.length) {
    const character = pattern[position]!;
    if (character === '\\') {
      const escaped = pattern[position + 1];
      // Outside unicode mode, a backslash before punctuation is that
      // character; before a letter or digit it is a class or an escape code.
      if (escaped === undefined || /[0-9A-Za-z]/.test(escaped)) {
        break;
      }
      literal.push(escaped);
      position += 2;
      continue;
    }
    if (SYNTAX.has(character)) {
      break;
    }
    literal.push(character);
    position += 1;
  }

  // A quantifier applies to the last literal character, which may then be absent.
  if (position < pattern.length && QUANTIFIERS.has(pattern[position]!)) {
    literal.pop();
  }
  return literal.join('');
}
