// A small SQL tokeniser in the style of libinjection: it turns text into a
// list of typed tokens so that detectors test token shapes ("a quote, then a
// boolean operator, then a comparison") instead of character patterns.
// Comments are dropped, except MySQL's `/*! … */`, whose content MySQL runs.

export type SqlTokenKind = 'string' | 'number' | 'word' | 'operator' | 'open' | 'close' | 'comma' | 'semicolon' | 'comment' | 'variable';

export interface SqlToken {
  kind: SqlTokenKind;
  /** Lower-case text; strings keep their body without quotes. */
  text: string;
  /** Offset in the input, for the reported excerpt. */
  start: number;
}

/** Tokens read from one value; the tokeniser stops here to bound its work. */
const MAX_TOKENS = 256;

const OPERATOR_CHARS = '=<>!|&+-*/%^~:?';
// PostgreSQL JSON operators that start with characters read otherwise as a comment or a variable.
const JSON_OPERATOR_AT = /^(?:#>>?|#-|@>|@\?|<@)/;
const WORD_START = /[A-Za-z_@$]/;
// Sticky patterns read a whole run at once: one regular expression call per
// token instead of one per character.
const WORD_RUN = /[\w$@.]+/y;
const NUMBER_RUN = /[0-9a-fA-FxX.]+/y;
const SPACE = /\s/;

/** Splits `text` into SQL tokens, at most MAX_TOKENS of them. */
export function tokenizeSql(text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let index = 0;
  while (index < text.length && tokens.length < MAX_TOKENS) {
    index = readToken(text, index, tokens);
  }
  return tokens;
}

function readToken(text: string, index: number, tokens: SqlToken[]): number {
  const char = text[index]!;
  const code = char.charCodeAt(0);
  if (code <= 32 || (code > 127 && SPACE.test(char))) {
    return index + 1;
  }
  if (char === "'" || char === '"' || char === '`') {
    return readString(text, index, tokens);
  }
  const jsonOperator = char === '#' || char === '@' || char === '<' ? JSON_OPERATOR_AT.exec(text.slice(index, index + 3))?.[0] : undefined;
  if (jsonOperator !== undefined) {
    tokens.push({ kind: 'operator', text: jsonOperator, start: index });
    return index + jsonOperator.length;
  }
  if (char === '/' && text[index + 1] === '*') {
    return readBlockComment(text, index, tokens);
  }
  if ((char === '-' && text[index + 1] === '-') || char === '#') {
    const end = text.indexOf('\n', index);
    tokens.push({ kind: 'comment', text: '--', start: index });
    return end === -1 ? text.length : end + 1;
  }
  if (isDigit(code) || (char === '.' && isDigit(text.charCodeAt(index + 1)))) {
    return readRun(text, index, NUMBER_RUN, 'number', tokens);
  }
  if (WORD_START.test(char)) {
    return readRun(text, index, WORD_RUN, char === '@' ? 'variable' : 'word', tokens);
  }
  return readPunctuation(text, index, tokens);
}

function readString(text: string, index: number, tokens: SqlToken[]): number {
  const quote = text[index]!;
  let end = index + 1;
  while (end < text.length) {
    if (text[end] === '\\') {
      end += 2;
      continue;
    }
    // SQL escapes a quote by doubling it.
    if (text[end] === quote && text[end + 1] !== quote) {
      break;
    }
    end += text[end] === quote ? 2 : 1;
  }
  // A backtick-quoted identifier counts as a string: both are quoted values the attacker closes.
  tokens.push({ kind: 'string', text: text.slice(index + 1, end).toLowerCase(), start: index });
  return end + 1;
}

function readBlockComment(text: string, index: number, tokens: SqlToken[]): number {
  const close = text.indexOf('*/', index + 2);
  const end = close === -1 ? text.length : close;
  if (text[index + 2] === '!') {
    // MySQL executes `/*!50000 select */`: tokenise the body, skipping a version number.
    const body = text.slice(index + 3, end).replace(/^\d{5}/, '');
    for (const token of tokenizeSql(body)) {
      tokens.push({ ...token, start: token.start + index });
    }
  } else {
    tokens.push({ kind: 'comment', text: '/*', start: index });
  }
  return close === -1 ? text.length : close + 2;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function readRun(text: string, index: number, run: RegExp, kind: SqlTokenKind, tokens: SqlToken[]): number {
  run.lastIndex = index;
  const match = run.exec(text);
  const end = match === null ? index + 1 : index + match[0].length;
  tokens.push({ kind, text: text.slice(index, end).toLowerCase(), start: index });
  return end;
}

function readPunctuation(text: string, index: number, tokens: SqlToken[]): number {
  const char = text[index]!;
  const simple: Record<string, SqlTokenKind> = { '(': 'open', ')': 'close', ',': 'comma', ';': 'semicolon' };
  if (simple[char] !== undefined) {
    tokens.push({ kind: simple[char], text: char, start: index });
    return index + 1;
  }
  if (OPERATOR_CHARS.includes(char)) {
    let end = index + 1;
    while (end < text.length && end - index < 3 && OPERATOR_CHARS.includes(text[end]!) && !(text[end] === '-' && text[end + 1] === '-')) {
      end += 1;
    }
    tokens.push({ kind: 'operator', text: text.slice(index, end), start: index });
    return end;
  }
  return index + 1;
}
