// Loads a rule set from a file or a directory: every file is parsed, checked
// against the JSON Schema and compiled, and all problems of all files are
// reported together. A rule set with any problem is rejected as a whole, so a
// half-valid set never runs. Reading is apart from compiling, so that the
// reload watcher can tell from the bytes alone whether anything changed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SINK } from '../sinks/config.js';
import { CompileState, compileFileSteps } from './compile.js';
import { listRuleFiles } from './files.js';
import { RuleLoadError } from './problems.js';
import { runAtOnce, type Step } from './reload/slices.js';
import type { RuleProblem } from './problems.js';
import { validateAgainstSchema } from './schema.js';
import { parseSourceFileSteps, type SourceFile } from './source.js';
import { checkTestRuleIds, compileTests, testRuleReferences, type RuleTest, type TestRuleReference } from './testing/test-case.js';
import type { RuleSet } from './types.js';

export type { RuleSet } from './types.js';

/** The bytes of a rule set, read but not parsed. */
export interface RuleFileContents {
  files: Array<{ path: string; text: string }>;
  /** Files that could not be read. */
  problems: RuleProblem[];
  /** The version the rule set gets if it compiles: a hash of the file names and contents. */
  version: string;
}

export interface RuleLoadOptions {
  /** Sink names that log actions may use; default: only `stdout`, the one sink without a sinks file. */
  sinkNames?: ReadonlySet<string>;
  /** Rules a set may contain across all its files; default DEFAULT_MAX_RULES. */
  maxRules?: number;
  /** Bytes (UTF-8) one rule file may hold; default DEFAULT_MAX_RULE_FILE_BYTES. */
  maxRuleFileBytes?: number;
}

/**
 * Rules a set may contain unless --max-rules sets another limit. Every rule whose
 * phase has come runs on every request, and 5,000 two-condition rules
 * stalled the event loop for at most 8.2 ms per request (docs/reliability.md).
 */
export const DEFAULT_MAX_RULES = 5000;

/**
 * Bytes one rule file may hold unless --max-rule-file-bytes sets another
 * limit. The yaml package builds a file's document in one call, which a
 * live reload cannot slice: for 1,000 rules (200 KiB) it took 9 to 31 ms
 * on this machine, for 100 rules (20 KiB) 1.5 to 11 ms (docs/reliability.md).
 * 128 KiB should keep that step near 5 ms with the JIT warm (an estimate
 * from those figures, which grow about linearly with the size).
 */
export const DEFAULT_MAX_RULE_FILE_BYTES = 128 * 1024;

/** Loads and compiles the rule files at target; throws RuleLoadError listing every problem. */
export function loadRuleSet(target: string, options: RuleLoadOptions = {}): RuleSet {
  return compileRuleFiles(readRuleFiles(target), options);
}

/** Reads the rule files at target; throws RuleLoadError when target has none or cannot be listed. */
export function readRuleFiles(target: string): RuleFileContents {
  const files: RuleFileContents['files'] = [];
  const problems: RuleProblem[] = [];

  for (const file of listRuleFiles(target)) {
    try {
      files.push({ path: file.path, text: readFileSync(file.readPath, 'utf8') });
    } catch (error) {
      problems.push({ code: 'file_unreadable', file: file.path, message: `cannot read rule file: ${(error as Error).message}` });
    }
  }
  return { files, problems, version: versionOf(files) };
}

/** Compiles rules and tests of contents; throws RuleLoadError listing every problem. */
export function compileRuleFiles(contents: RuleFileContents, options: RuleLoadOptions = {}): RuleSet {
  return runAtOnce(compileRuleFileSteps(contents, options));
}

/**
 * Does what compileRuleFiles does in steps: parsing part of a file,
 * building its document, checking it against the schema, compiling one
 * rule, compiling one file's tests. A live
 * reload runs them in slices (reload/slices.ts) so that serving goes on
 * between them, and passes a parseFile that parses in a worker thread.
 */
export function* compileRuleFileSteps(contents: RuleFileContents, options: RuleLoadOptions = {}, parseFile: ParseFileSteps = parseSourceFileSteps): Generator<Step, RuleSet> {
  checkFileSizes(contents, options.maxRuleFileBytes ?? DEFAULT_MAX_RULE_FILE_BYTES);

  const count = new RuleCount(options.maxRules ?? DEFAULT_MAX_RULES);
  const state = new CompileState(options.sinkNames ?? new Set([DEFAULT_SINK]));
  const tests: RuleTest[] = [];
  const outcomes: FileOutcome[] = [];
  for (const file of contents.files) {
    // Each file compiles right after it parses, and only its problems and
    // test references are kept, so its data and node locations become
    // garbage before the next file. Kept until the whole set had compiled,
    // the parsed files of a reload were promoted to the old generation.
    const source = yield* parseFile(file.path, file.text);
    count.add(source);
    if (!count.isOver && source.data !== undefined) {
      const invalidPaths = validateAgainstSchema(source);
      yield;
      yield* compileFileSteps(source, invalidPaths, state);
      tests.push(...compileTests(source, invalidPaths));
      yield;
    }
    outcomes.push({ path: source.path, problems: source.problems, testRuleReferences: source.data === undefined ? [] : testRuleReferences(source) });
  }
  count.throwIfOver();

  // Tests may name rules of any file, so their ids are checked once all are
  // known. A rejected rule's id counts, so its own problem is reported once.
  const problems = [...contents.problems];
  const ruleIds = state.writtenIds;
  for (const outcome of outcomes) {
    checkTestRuleIds(outcome.path, outcome.testRuleReferences, ruleIds, outcome.problems);
    problems.push(...sortedProblems(outcome.problems));
  }
  if (problems.length > 0) {
    throw new RuleLoadError(problems);
  }

  return {
    version: contents.version,
    files: outcomes.map((outcome) => outcome.path),
    loadedAt: new Date(),
    rules: state.rules,
    tests,
  };
}

/**
 * Parses one file in steps: parseSourceFileSteps on this thread, or a
 * WorkerFileParser's steps, which wait for a worker thread.
 */
export type ParseFileSteps = (path: string, text: string) => Generator<Step, SourceFile>;

/** The path, problems and test references of one file, which the loader keeps once the file has compiled. */
interface FileOutcome {
  path: string;
  problems: RuleProblem[];
  testRuleReferences: TestRuleReference[];
}

/**
 * Rules counted across the files of a set. Once the count passes the limit
 * no further file compiles, but every file is still parsed and counted, so
 * that the problem gives the set's total.
 */
class RuleCount {
  readonly #maxRules: number;
  #total = 0;
  #files = 0;
  /** The problem at the first rule over the limit, located while its file is at hand. */
  #firstOver: RuleProblem | null = null;

  constructor(maxRules: number) {
    this.#maxRules = maxRules;
  }

  get isOver(): boolean {
    return this.#firstOver !== null;
  }

  add(source: SourceFile): void {
    const rules = (source.data as { rules?: unknown } | null | undefined)?.rules;
    const count = Array.isArray(rules) ? rules.length : 0;
    if (this.#firstOver === null && this.#total + count > this.#maxRules) {
      const index = this.#maxRules - this.#total;
      this.#firstOver = { code: 'too_many_rules', file: source.path, ...source.locate(['rules', index]), message: '' };
    }
    this.#total += count;
    this.#files += 1;
  }

  /** Throws when the files contain more than maxRules rules, pointing at the first rule over the limit. */
  throwIfOver(): void {
    if (this.#firstOver === null) {
      return;
    }

    const files = `${this.#files} ${this.#files === 1 ? 'file' : 'files'}`;
    const message = `the rule set has ${this.#total} rules across ${files}, over the limit of ${this.#maxRules}; this is rule ${this.#maxRules + 1}. Raise --max-rules (CTXPROC_MAX_RULES) or remove rules`;
    throw new RuleLoadError([{ ...this.#firstOver, message }]);
  }
}

/** Throws before anything is parsed when a file is over maxBytes, with one problem for each such file. */
function checkFileSizes(contents: RuleFileContents, maxBytes: number): void {
  const problems: RuleProblem[] = [];
  for (const file of contents.files) {
    const bytes = Buffer.byteLength(file.text, 'utf8');
    if (bytes > maxBytes) {
      const message = `the rule file has ${bytes} bytes, over the limit of ${maxBytes}; split its rules across several files in the rule directory, or raise --max-rule-file-bytes (CTXPROC_MAX_RULE_FILE_BYTES)`;
      problems.push({ code: 'rule_file_too_large', file: file.path, message });
    }
  }
  if (problems.length > 0) {
    throw new RuleLoadError(problems);
  }
}

function sortedProblems(problems: readonly RuleProblem[]): RuleProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** Hashes each file's name and contents, so renaming a file (which can reorder rules) changes the version too. */
function versionOf(files: ReadonlyArray<{ path: string; text: string }>): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.basename(file.path)).update('\0').update(file.text).update('\0');
  }
  return `sha256:${hash.digest('hex').slice(0, 12)}`;
}
