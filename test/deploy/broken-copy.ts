// Writes a copy of a shipped file with one deliberate mistake, so a test can
// prove that the validation of that file fails on it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Creates a temporary directory that is removed when the test process exits. */
export function makeTempDirectory(prefix: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** One edit: the exact text to find (once) in the file and its replacement. */
export interface Breakage {
  find: string;
  replace: string;
}

/**
 * Returns the file's text with the breakage applied. Throws when the text to
 * find is missing or appears more than once, so a change to the shipped file
 * cannot silently turn the broken copy into an unbroken one.
 */
export function breakText(file: string, breakage: Breakage): string {
  const text = readFileSync(file, 'utf8');
  const first = text.indexOf(breakage.find);
  if (first === -1 || text.indexOf(breakage.find, first + 1) !== -1) {
    throw new Error(`expected ${JSON.stringify(breakage.find)} exactly once in ${file}; update the broken-copy test`);
  }
  return text.slice(0, first) + breakage.replace + text.slice(first + breakage.find.length);
}

/** Writes the broken copy into a new temporary directory, under the same base name, and returns its path. */
export function writeBrokenCopy(file: string, breakage: Breakage): string {
  const directory = makeTempDirectory('ctxproc-broken-');
  const copy = path.join(directory, path.basename(file));
  writeFileSync(copy, breakText(file, breakage));
  return copy;
}
