// Loads a rule set from a file or a directory: every file is parsed, checked
// against the JSON Schema and compiled, and all problems of all files are
// reported together. A rule set with any problem is rejected as a whole, so a
// half-valid set never runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SINK } from '../sinks/config.js';
import { CompileState, compileFile } from './compile.js';
import { listRuleFiles } from './files.js';
import { RuleLoadError } from './problems.js';
import type { RuleProblem } from './problems.js';
import { validateAgainstSchema } from './schema.js';
import { SourceFile } from './source.js';
import type { RuleSet } from './types.js';

export type { RuleSet } from './types.js';

export interface RuleLoadOptions {
  /** Sink names that log actions may use; default: only `stdout`, the one sink without a sinks file. */
  sinkNames?: ReadonlySet<string>;
}

/** Loads and compiles the rule files at target; throws RuleLoadError listing every problem. */
export function loadRuleSet(target: string, options: RuleLoadOptions = {}): RuleSet {
  const files = listRuleFiles(target);
  const problems: RuleProblem[] = [];
  const sources: SourceFile[] = [];

  for (const file of files) {
    try {
      sources.push(new SourceFile(file.path, readFileSync(file.readPath, 'utf8')));
    } catch (error) {
      problems.push({ code: 'file_unreadable', file: file.path, message: `cannot read rule file: ${(error as Error).message}` });
    }
  }

  const state = new CompileState(options.sinkNames ?? new Set([DEFAULT_SINK]));
  for (const source of sources) {
    if (source.data !== undefined) {
      const invalidPaths = validateAgainstSchema(source);
      compileFile(source, invalidPaths, state);
    }
    problems.push(...sortedProblems(source.problems));
  }
  if (problems.length > 0) {
    throw new RuleLoadError(problems);
  }

  return {
    version: versionOf(sources),
    files: sources.map((source) => source.path),
    loadedAt: new Date(),
    rules: state.rules,
  };
}

function sortedProblems(problems: readonly RuleProblem[]): RuleProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** Hashes each file's name and contents, so renaming a file (which can reorder rules) changes the version too. */
function versionOf(sources: readonly SourceFile[]): string {
  const hash = createHash('sha256');
  for (const source of sources) {
    hash.update(path.basename(source.path)).update('\0').update(source.text).update('\0');
  }
  return `sha256:${hash.digest('hex').slice(0, 12)}`;
}
