// The COUNTxFILES form that bench:adversarial and bench:reload-gc take for
// a reload: COUNT rules spread evenly over FILES rule files.
import { readWholeNumber, UsageError } from './options.js';

export interface ReloadSpec {
  /** Rules in the new set. */
  count: number;
  /** Files the rules are spread over, each holding count / files rules. */
  files: number;
}

/** Largest rule count a reload may ask for. It catches a mistyped count, because the rules are written to disk and held in memory at once. */
const MAX_RELOAD_RULES = 1_000_000;

/** Reads one item of option `--name` as COUNT or COUNTxFILES, where FILES defaults to 1 and must divide COUNT. */
export function readReloadSpec(name: string, item: string): ReloadSpec {
  const [countText = '', filesText = '1', ...rest] = item.split('x');
  if (rest.length > 0) {
    throw new UsageError(`--${name} item "${item}" has more than one x; expected COUNTxFILES, such as 5000x50`);
  }

  const label = `--${name} item "${item}":`;
  const count = readWholeNumber(`${label} COUNT`, countText, { min: 1, max: MAX_RELOAD_RULES });
  const files = readWholeNumber(`${label} FILES`, filesText, { min: 1, max: count });
  if (count % files !== 0) {
    throw new UsageError(`${label} ${count} rules do not divide evenly into ${files} files; expected a COUNT that is a multiple of FILES`);
  }
  return { count, files };
}

/** Formats a spec as COUNTxFILES, the form the tables print. */
export function formatReloadSpec(spec: ReloadSpec): string {
  return `${spec.count}x${spec.files}`;
}
