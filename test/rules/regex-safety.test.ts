import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PATTERN_CHARS, regexProblem } from '../../src/rules/regex-safety.js';

const SAFE = ['ACCT-[0-9]{8}', '[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}', '\\d{20}', 'a{0,16}a{0,16}a{0,16}b', '\\bemp-\\d{6}\\b', '[A-Z]{2}\\d{2}[A-Z0-9]{11,30}', '(?:ab|cd)', 'x{2,}', '(?:x\\d?){1,3}', 'tok_[a-z0-9]+'];

const UNSAFE: Array<[string, RegExp]> = [
  ['(a+)+$', /repeated group contains a repetition/],
  ['([a-z]+)*x', /repeated group contains a repetition/],
  ['(\\d+){2,}', /repeated group contains a repetition/],
  ['(?:(?:a)+)+', /repeated group contains a repetition/],
  ['(a|b)+', /contains alternatives/],
  ['(?:ab|cd){2}', /contains alternatives/],
  ['(a)\\1', /backreferences/],
  ['(?<n>a)\\k<n>', /backreferences/],
  ['(?=x)y', /lookahead and lookbehind/],
  ['(?<!x)y', /lookahead and lookbehind/],
  ['(?i:token)', /inline flag groups/],
  ['a{0,17}a{0,17}a{0,17}a{0,17}b', /count above 16/],
  ['a{17}a*a*b', /count above 16/],
  ['ID:[^;]{0,100},[^;]{0,100};', /count above 16/],
  ['a*', /matches the empty string/],
  ['[', /invalid regular expression/],
  ['x'.repeat(MAX_PATTERN_CHARS + 1), /maximum is 512/],
];

for (const source of SAFE) {
  test(`regex safety accepts ${source}`, () => {
    assert.equal(regexProblem(source), null);
  });
}

for (const [source, reason] of UNSAFE) {
  test(`regex safety rejects ${source.slice(0, 24)}`, () => {
    assert.match(regexProblem(source) ?? 'accepted', reason);
  });
}
