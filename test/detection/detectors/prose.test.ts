// Prose signs shared by the detectors: word runs, text that goes on after
// code, and Markdown code spans.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { continuesAsProse, hasProseRun, maskMarkdownCode } from '../../../src/detection/detectors/prose.js';

test('hasProseRun finds three words', () => {
  assert.equal(hasProseRun('how to fix it'), true);
});

test('hasProseRun ignores code', () => {
  assert.equal(hasProseRun("x' or 1=1 --"), false);
});

test('continuesAsProse sees a word after code', () => {
  assert.equal(continuesAsProse('count(1) performance', 8), true);
});

test('continuesAsProse allows operator words', () => {
  assert.equal(continuesAsProse('f() or die()', 3, new Set(['or'])), false);
});

test('continuesAsProse sees a sentence end', () => {
  assert.equal(continuesAsProse('logs go to /var/log/x.log.', 25), true);
});

test('continuesAsProse passes a value end', () => {
  assert.equal(continuesAsProse('cat /etc/group', 14), false);
});

test('maskMarkdownCode blanks spans in prose', () => {
  assert.equal(maskMarkdownCode('run `ls -la` to see it all'), 'run          to see it all');
});

test('maskMarkdownCode keeps spans without prose', () => {
  assert.equal(maskMarkdownCode('a;`id`'), 'a;`id`');
});
