// Mutated rule files must either load or fail with a RuleLoadError. Every
// problem must have a known code and a position inside the file, and no
// other exception may escape. The mutations are seeded, so a failure reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRuleSet } from '../../src/rules/load.js';
import { PROBLEM_CODES, RuleLoadError } from '../../src/rules/problems.js';
import { DEFAULT_RULES, temporaryDirectory } from './builders.js';

const MUTATIONS = 300;
const SEED = 0x5eed;

/** mulberry32: a small seeded generator, enough to pick mutations. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTIONS = [' ', '\n', ':', '-', '[', ']', '{', '}', '"', "'", '!', '&', '*', '#', '(', ')', '.', 'x', '0', '\t', 'when: x', 'status: 99'];

function mutate(text: string, random: () => number): string {
  const position = Math.floor(random() * text.length);
  const choice = random();
  if (choice < 0.4) {
    return text.slice(0, position) + text.slice(position + 1);
  }
  if (choice < 0.8) {
    const insertion = INSERTIONS[Math.floor(random() * INSERTIONS.length)] ?? ' ';
    return text.slice(0, position) + insertion + text.slice(position);
  }
  const lines = text.split('\n');
  const line = Math.floor(random() * lines.length);
  lines.splice(line, 1);
  return lines.join('\n');
}

test('mutated rule files fail cleanly', () => {
  const original = fs.readFileSync(DEFAULT_RULES, 'utf8');
  const random = generator(SEED);
  const file = path.join(temporaryDirectory(), 'mutated.yaml');
  let rejected = 0;

  for (let round = 0; round < MUTATIONS; round++) {
    const text = mutate(mutate(original, random), random);
    fs.writeFileSync(file, text);
    const lineCount = text.split('\n').length;

    try {
      loadRuleSet(file);
    } catch (error) {
      assert.ok(error instanceof RuleLoadError, `round ${round}: ${String(error)}`);
      assert.ok(error.problems.length > 0);
      for (const problem of error.problems) {
        assert.ok(Object.hasOwn(PROBLEM_CODES, problem.code), `round ${round}: unknown code ${problem.code}`);
        assert.ok(problem.line === undefined || (problem.line >= 1 && problem.line <= lineCount + 1), `round ${round}: line ${problem.line} of ${lineCount}`);
        assert.ok(problem.message.length > 0);
      }
      rejected++;
    }
  }

  // Most mutations break something; if none did, the mutator is not working.
  assert.ok(rejected > MUTATIONS / 4, `only ${rejected} of ${MUTATIONS} mutations were rejected`);
});
