// Finds the rule files behind a path: the file itself, or every *.yaml and
// *.yml file directly in a directory, in name order. In a Kubernetes
// ConfigMap volume each key is a symlink into a timestamped directory that
// the `..data` symlink points to, and the kubelet swaps `..data` atomically
// on update. Reading through `..data`, resolved once, gives one consistent
// version of every key even while an update lands.
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { RuleLoadError } from './problems.js';

/** A rule file: the path shown in messages, and the path its bytes are read from. */
export interface RuleFile {
  path: string;
  readPath: string;
}

const RULE_FILE = /\.ya?ml$/;
const CONFIGMAP_DATA = '..data';

/** Lists the rule files of target; throws RuleLoadError when there are none. */
export function listRuleFiles(target: string): RuleFile[] {
  const kind = kindOf(target);
  if (kind === 'file') {
    return [{ path: target, readPath: target }];
  }

  const files = listDirectory(target);
  if (files.length === 0) {
    throw new RuleLoadError([{ code: 'no_rule_files', file: target, message: `no *.yaml or *.yml file in directory ${target}; add a rule file or point at one` }]);
  }
  return files;
}

function kindOf(target: string): 'file' | 'directory' {
  try {
    // stat, not lstat: a rule file may itself be a symlink (ConfigMap keys are).
    return statSync(target).isDirectory() ? 'directory' : 'file';
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw new RuleLoadError([{ code: 'file_unreadable', file: target, message: `cannot read rule path ${target}: ${reason}; pass an existing rule file or directory` }]);
  }
}

function listDirectory(directory: string): RuleFile[] {
  const configMap = hasConfigMapData(directory);
  let base = directory;
  let entries: string[];
  try {
    base = configMap ? realpathSync(path.join(directory, CONFIGMAP_DATA)) : directory;
    entries = readdirSync(base);
  } catch (error) {
    throw new RuleLoadError([{ code: 'file_unreadable', file: directory, message: unlistableMessage(directory, configMap, error) }]);
  }

  // Plain code-unit order, so the rule order does not depend on the locale.
  const names = entries
    .filter((name) => !name.startsWith('.') && RULE_FILE.test(name))
    .sort(compareCodeUnits);

  return names
    .filter((name) => isFile(path.join(base, name)))
    .map((name) => ({ path: path.join(directory, name), readPath: path.join(base, name) }));
}

/** Says why a rule directory could not be listed, and for a ConfigMap mount that its ..data link is dangling. */
function unlistableMessage(directory: string, configMap: boolean, error: unknown): string {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  if (configMap) {
    return `cannot list rule directory ${directory}: its ${CONFIGMAP_DATA} link points at a missing or unreadable directory (${reason}); check the ConfigMap volume, which Kubernetes may be swapping`;
  }
  return `cannot list rule directory ${directory} (${reason}); check its permissions`;
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

function hasConfigMapData(directory: string): boolean {
  try {
    return lstatSync(path.join(directory, CONFIGMAP_DATA)).isSymbolicLink();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    // A dangling symlink: the file is not there to load.
    return false;
  }
}
