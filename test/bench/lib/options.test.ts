import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CommandLine, formatUsage, readWholeNumber, UsageError, type OptionSpec, type ScriptSpec } from '../../../bench/lib/options.js';

const SPEC = {
  name: 'example',
  command: 'npm run example --',
  summary: 'An example script.',
  options: {
    count: { type: 'string', default: '10', value: 'N', help: 'items to send' },
    fraction: { type: 'string', default: '0.5', value: 'F', help: 'share of the items kept' },
    names: { type: 'string', default: 'a,b', value: 'NAMES', help: 'names to use' },
    mode: { type: 'string', default: 'fast', value: 'MODE', help: 'fast or slow' },
    out: { type: 'string', value: 'FILE', help: 'output file (default: none)' },
    quiet: { type: 'boolean', help: 'prints nothing' },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

function usageMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a UsageError, but nothing was thrown');
}

test('options give defaults when not given', () => {
  const commandLine = new CommandLine(SPEC, []);

  assert.equal(commandLine.wholeNumber('count', { min: 1 }), 10);
  assert.equal(commandLine.decimal('fraction', { above: 0, below: 1 }), 0.5);
  assert.deepEqual(commandLine.names('names', ['a', 'b', 'c']), ['a', 'b']);
  assert.equal(commandLine.choice('mode', ['fast', 'slow']), 'fast');
  assert.equal(commandLine.outputFile('out'), undefined);
  assert.equal(commandLine.values.quiet, false);
});

test('options read given values', () => {
  const commandLine = new CommandLine(SPEC, ['--count', '7', '--fraction=0.25', '--names', 'c, a', '--mode', 'slow', '--quiet']);

  assert.equal(commandLine.wholeNumber('count', { min: 1, max: 7 }), 7);
  assert.equal(commandLine.decimal('fraction', { above: 0, below: 1 }), 0.25);
  assert.deepEqual(commandLine.names('names', ['a', 'b', 'c']), ['c', 'a']);
  assert.equal(commandLine.choice('mode', ['fast', 'slow']), 'slow');
  assert.equal(commandLine.values.quiet, true);
});

test('parse errors become usage errors', () => {
  assert.match(usageMessage(() => new CommandLine(SPEC, ['--counts', '3'])), /Unknown option '--counts'/);
  assert.match(usageMessage(() => new CommandLine(SPEC, ['extra'])), /Unexpected argument 'extra'/);
  assert.match(usageMessage(() => new CommandLine(SPEC, ['--count'])), /'--count <value>' argument missing/);
  assert.match(usageMessage(() => new CommandLine(SPEC, ['--quiet=yes'])), /'--quiet' does not take an argument/);
});

test('positionals allowed only when declared', () => {
  const commandLine = new CommandLine({ ...SPEC, positionals: '[PATH ...]' }, ['one', '--quiet', 'two']);

  assert.deepEqual(commandLine.positionals, ['one', 'two']);
});

test('whole number rejects text and fractions', () => {
  for (const text of ['ten', '1.5', '1e3', '-1', '', ' 3', '0x10', '9007199254740993']) {
    const message = usageMessage(() => new CommandLine(SPEC, [`--count=${text}`]).wholeNumber('count', { min: 1, max: 20 }));

    assert.equal(message, `--count is "${text}"; expected a whole number from 1 to 20`);
  }
});

test('whole number rejects values out of range', () => {
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--count', '0']).wholeNumber('count', { min: 1, max: 20 })), '--count is 0; expected a whole number from 1 to 20');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--count', '21']).wholeNumber('count', { min: 1, max: 20, reason: 'the pool has 20' })), '--count is 21; expected a whole number from 1 to 20 (the pool has 20)');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--count', '0']).wholeNumber('count', { min: 1 })), '--count is 0; expected a whole number of at least 1');
});

test('decimal checks open bounds', () => {
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--fraction', '0']).decimal('fraction', { above: 0, below: 1 })), '--fraction is 0; expected a number above 0 and below 1');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--fraction', '1']).decimal('fraction', { above: 0, below: 1 })), '--fraction is 1; expected a number above 0 and below 1');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--fraction', '.5']).decimal('fraction', { above: 0, below: 1 })), '--fraction is ".5"; expected a number above 0 and below 1');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--fraction', '9']).decimal('fraction', { above: 0, max: 5 })), '--fraction is 9; expected a number above 0 and up to 5');
});

test('names and choice reject unknown names', () => {
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--names', 'a,x,y']).names('names', ['a', 'b'])), '--names names "x", "y"; expected a comma-separated list of a, b');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--names', '']).names('names', ['a', 'b'])), '--names names ""; expected a comma-separated list of a, b');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--mode', 'medium']).choice('mode', ['fast', 'slow'])), '--mode is "medium"; expected one of fast, slow');
});

test('list reads each item and rejects empty ones', () => {
  const read = (item: string): number => readWholeNumber('--names item', item, { min: 1, max: 9 });

  assert.deepEqual(new CommandLine(SPEC, ['--names', '3,4']).list('names', read), [3, 4]);
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--names', '3,,4']).list('names', read)), '--names is "3,,4"; expected a comma-separated list with no empty item');
  assert.equal(usageMessage(() => new CommandLine(SPEC, ['--names', '3,10']).list('names', read)), '--names item is 10; expected a whole number from 1 to 9');
});

test('output file needs an existing folder', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-options-'));
  try {
    const file = path.join(folder, 'out.json');
    const missing = path.join(folder, 'missing', 'out.json');

    assert.equal(new CommandLine(SPEC, ['--out', file]).outputFile('out'), file);
    assert.match(usageMessage(() => new CommandLine(SPEC, ['--out', missing]).outputFile('out')), /--out is ".*missing\/out.json", but the folder .*missing does not exist/);
    assert.match(usageMessage(() => new CommandLine(SPEC, ['--out', folder]).outputFile('out')), /--out is ".*", which is a folder; expected a file path/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('usage lists options with defaults', () => {
  const usage = formatUsage(SPEC).split('\n');

  assert.equal(usage[0], 'usage: npm run example -- [options]');
  assert.equal(usage[1], 'An example script.');
  assert.ok(usage.some((line) => /^ {2}--count N +items to send \(default: 10\)$/.test(line)), usage.join('\n'));
  assert.ok(usage.some((line) => /^ {2}--out FILE +output file \(default: none\)$/.test(line)), usage.join('\n'));
  assert.ok(usage.some((line) => /^ {2}--quiet +prints nothing \(default: off\)$/.test(line)), usage.join('\n'));
  assert.ok(usage.some((line) => /^ {2}--help +print this usage and exit$/.test(line)), usage.join('\n'));
});
