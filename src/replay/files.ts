// Finds the replay input files under the paths a user gives, and parses each
// with the reader that fits it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseFtwFile, type FtwParseOptions } from './ftw.js';
import { parseHarFile } from './har.js';
import type { ParsedItem } from './items.js';

export type ReplayFileKind = 'har' | 'ftw';

export interface ReplayFile {
  path: string;
  kind: ReplayFileKind;
}

const KIND_BY_EXTENSION: Record<string, ReplayFileKind> = { '.har': 'har', '.yaml': 'ftw', '.yml': 'ftw' };

/**
 * Expands files and directories into replay files, in sorted order.
 * Directories are searched recursively for .har, .yaml and .yml files,
 * skipping names that start with a dot. A file named directly is read
 * whatever its extension; a missing path throws.
 */
export async function expandReplayPaths(paths: string[]): Promise<ReplayFile[]> {
  const files: ReplayFile[] = [];
  const visited = new Set<string>();

  for (const inputPath of paths) {
    const stat = await fs.stat(inputPath).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`replay input ${inputPath} cannot be read (${error.code ?? error.message}); pass existing HAR or go-ftw YAML files or folders`, { cause: error });
    });
    if (stat.isDirectory()) {
      await walk(inputPath, files, visited);
    } else {
      files.push({ path: inputPath, kind: KIND_BY_EXTENSION[path.extname(inputPath).toLowerCase()] ?? 'ftw' });
    }
  }
  return files;
}

async function walk(directory: string, files: ReplayFile[], visited: Set<string>): Promise<void> {
  // Symbolic links can form cycles, so each real directory is read once.
  const real = await fs.realpath(directory);
  if (visited.has(real)) {
    return;
  }
  visited.add(real);

  const entries = await fs.readdir(directory, { withFileTypes: true });
  // Code-unit order, so that the replay order does not depend on the locale.
  entries.sort((a, b) => compareNames(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) {
      continue;
    }
    const entryPath = path.join(directory, entry.name);
    const stat = await fs.stat(entryPath).catch(() => null);
    const kind = KIND_BY_EXTENSION[path.extname(entry.name).toLowerCase()];
    if (stat?.isDirectory()) {
      await walk(entryPath, files, visited);
    } else if (stat?.isFile() && kind !== undefined) {
      files.push({ path: entryPath, kind });
    }
  }
}

function compareNames(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/**
 * Parses one replay file. A file with another extension than .har is read
 * as HAR when its content is a JSON object, else as go-ftw YAML. Throws
 * when the file cannot be read or is not of its kind.
 */
export async function readReplayFile(file: ReplayFile, options: FtwParseOptions = {}): Promise<ParsedItem[]> {
  const text = await fs.readFile(file.path, 'utf8');
  const kind = file.kind === 'ftw' && !/\.ya?ml$/i.test(file.path) && text.trimStart().startsWith('{') ? 'har' : file.kind;
  return kind === 'har' ? parseHarFile(text, file.path, options.http1) : parseFtwFile(text, file.path, options);
}
