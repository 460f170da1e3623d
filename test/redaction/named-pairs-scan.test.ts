// The `name=value` and `Name: value` forms are found by searching for the
// separator and reading the name backwards. This test compares them with a
// regular expression that tries a name at every position, with the value
// rules of named-pairs.ts restated (YAML blocks line by line). Both must
// find the same values in any text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findNamedPairs, type TargetLookup } from '../../src/redaction/named-pairs.js';
import { isCredentialName, type TargetMatch } from '../../src/redaction/target-names.js';

const EQUALS_FORM = /([A-Za-z0-9_.%[\]-]{1,128})[ \t]*=[ \t]*/g;
const COLON_FORM = /([A-Za-z0-9_.%[\]-]{1,128})[ \t]*:[ \t]*/g;

// No `"`, `<` or carriage return, so that the JSON, XML and multipart forms find nothing.
const ALPHABET = ['a', 'b', 'k', 'Token', '=', ':', ' ', '\t', '&', ';', '\n', "'", '%', '[', ']', '-', '.', '>', 'é', '[REDACTED:x]'];

/** Accepts names that end in k or token; the target keeps the name, so that a name read from a wrong start shows. */
function lookupFor(kind: string): TargetLookup {
  return (name) => (/(?:k|token)$/i.test(name) ? ({ kind, name } as unknown as TargetMatch) : null);
}

/** Deterministic pseudo-random texts (a linear congruential generator), so a failure reproduces. */
function* texts(count: number): Generator<string> {
  let state = 12345;
  const next = (bound: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    // The high bits: the low bits of this generator repeat with a short period.
    return Math.floor((state / 2147483648) * bound);
  };
  for (let index = 0; index < count; index += 1) {
    const parts: string[] = [];
    const length = next(24);
    for (let part = 0; part < length; part += 1) {
      parts.push(next(10) === 0 ? 'x'.repeat(120 + next(20)) + 'k' : ALPHABET[next(ALPHABET.length)]!);
    }
    yield parts.join('');
  }
}

type Span = { start: number; end: number };

/**
 * Returns the value after `=`. A list runs to its closing bracket. An
 * unquoted value ends at `&`, `;`, a quote, an angle bracket or a blank, and
 * a quoted one at its quote or the line end.
 */
function equalsValue(text: string, start: number): Span {
  if (text[start] === '[') {
    return { start, end: containerEnd(text, start) };
  }
  if (text[start] === "'") {
    let end = start + 1;
    while (end < text.length && text[end] !== "'" && text[end] !== '\n') {
      end += 1;
    }
    return { start: start + 1, end };
  }
  let end = start;
  while (end < text.length && !/[&;"'<> \t\n\r]/.test(text[end]!)) {
    end += 1;
  }
  return { start, end };
}

/** Returns the end of the bracketed list at `start`: after its closing bracket, or the end of the text. The alphabet has no quotes. */
function containerEnd(text: string, start: number): number {
  let depth = 0;
  for (let at = start; at < text.length; at += 1) {
    if (text[at] === '[') {
      depth += 1;
    } else if (text[at] === ']' && --depth === 0) {
      return at + 1;
    }
  }
  return text.length;
}

/**
 * Returns the value after `:`, which runs to the line end. Inside a string
 * opened by `'` before it on the line (an odd count of `'`), it ends at the
 * next `'`. Outside one, a value quoted with `'` ends after a `'` that a
 * blank, the line end or one of `,}])>;+/` follows. (The alphabet has no
 * backslash, `"` or `<`.) An empty rest or `|`/`>` takes the lines below
 * that are indented more, and list items indented as much under a key that
 * is no item.
 */
function colonValue(text: string, start: number): Span {
  const lineEnd = start + (/^[^\n\r]*/.exec(text.slice(start))![0].length);
  const rest = text.slice(start, lineEnd);
  if (rest !== '' && !/^[|>][1-9+-]{0,2}[ \t]*(?:#.*)?$/.test(rest)) {
    const lineStart = start - /[^\n\r]*$/.exec(text.slice(0, start))![0].length;
    const insideString = (text.slice(lineStart, start).match(/'/g) ?? []).length % 2 === 1;
    if (insideString) {
      const closing = rest.indexOf("'");
      return { start, end: closing === -1 ? lineEnd : start + closing };
    }
    if (rest.startsWith("'")) {
      const closing = /^'[^]*?'(?=[,}\])>;+/ \t]|$)/.exec(rest);
      return { start, end: closing === null ? lineEnd : start + closing[0].length };
    }
    return { start, end: lineEnd };
  }

  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const keyLine = /^( *)(.?)/.exec(text.slice(lineStart))!;
  const keyIndent = keyLine[1]!.length;
  let span: Span = rest === '' ? { start, end: start } : { start, end: lineEnd };
  let offset = lineEnd + 1;
  for (const line of text.slice(lineEnd + 1).split('\n')) {
    if (lineEnd >= text.length) {
      break;
    }
    const [, spaces, content] = /^( *)(.*)$/.exec(line)!;
    if (content !== '') {
      const item = spaces!.length === keyIndent && keyLine[2] !== '-' && /^-( |$)/.test(content!);
      if (spaces!.length <= keyIndent && !item) {
        break;
      }
      span = { start: rest === '' && span.end === start ? offset + spaces!.length : span.start, end: offset + line.length };
    }
    offset += line.length + 1;
  }
  return span;
}

/** Accepts what `lookup` accepts, and for a parameter only credential names, as `Name: value` is read in free text. */
function colonLookup(lookup: TargetLookup): TargetLookup {
  return (name) => {
    const target = lookup(name);
    return target !== null && (target.kind === 'header' || isCredentialName(name)) ? target : null;
  };
}

function referenceValues(pattern: RegExp, text: string, lookup: TargetLookup, valueOf: (text: string, start: number) => Span): string[] {
  const found: string[] = [];
  pattern.lastIndex = 0;

  let match = pattern.exec(text);
  while (match !== null) {
    const valueStart = match.index + match[0].length;
    if (lookup(match[1]!) !== null && !text.startsWith('[REDACTED:', valueStart)) {
      const value = valueOf(text, valueStart);
      if (value.end > value.start) {
        found.push(`${value.start}-${value.end} ${match[1]}`);
        pattern.lastIndex = value.end;
      }
    }
    match = pattern.exec(text);
  }
  return found;
}

function scannedValues(text: string, lookup: TargetLookup): string[] {
  return findNamedPairs(text, lookup, 1000).spans.map((span) => `${span.start}-${span.end} ${(span.target as unknown as { name: string }).name}`).sort();
}

describe('separator scan of named pairs', () => {
  it('finds parameter pairs in 5,000 generated texts', () => {
    const lookup = lookupFor('query_param');
    for (const text of texts(5000)) {
      const expected = [...referenceValues(EQUALS_FORM, text, lookup, equalsValue), ...referenceValues(COLON_FORM, text, colonLookup(lookup), colonValue)];
      assert.deepEqual(scannedValues(text, lookup), expected.sort(), JSON.stringify(text));
    }
  });

  it('finds the Name: value values too for header names, in 5,000 generated texts', () => {
    const lookup = lookupFor('header');
    for (const text of texts(5000)) {
      const expected = [...referenceValues(EQUALS_FORM, text, lookup, equalsValue), ...referenceValues(COLON_FORM, text, lookup, colonValue)];
      assert.deepEqual(scannedValues(text, lookup), expected.sort(), JSON.stringify(text));
    }
  });

  it('reads at most the last 128 characters of a long name', () => {
    const text = `${'x'.repeat(300)}token=abc`;
    const spans = findNamedPairs(text, lookupFor('query_param'), 10).spans;
    assert.deepEqual(spans.map((span) => text.slice(span.start, span.end)), ['abc']);
  });
});
