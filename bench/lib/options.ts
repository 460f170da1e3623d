// Command-line options of the benchmark scripts, read with node:util
// parseArgs and checked before a script starts any server. A script states
// its options once, as a table; the usage text is built from that table, so
// it lists every option with its default. `--help` prints the usage on
// stdout and exits 0. A parse error or a bad value prints
// `SCRIPT: what is wrong, with the value` and the usage on stderr and exits 2.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** One option of a script: its type, its default and what it sets, in which unit. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The default value as typed on the command line; a boolean option is false unless given. */
  default?: string;
  /** The placeholder shown in the usage for the value, such as `N` or `FILE`. */
  value?: string;
  /** Help text: the setting the option changes, its unit and any range. */
  help: string;
}

/** A script's name in messages, the command that runs it, and its options. */
export interface ScriptSpec<O extends Record<string, OptionSpec>> {
  /** The prefix of every error message, such as `soak`. */
  name: string;
  /** The command a user types, such as `npm run soak --`. */
  command: string;
  /** Summary of the script's work, in one or two lines. */
  summary: string;
  /** The positional arguments shown in the usage, such as `[FILE ...]`; without it, a positional argument is an error. */
  positionals?: string;
  options: O;
}

/** The value type parseArgs gives an option: a boolean, or a string that is undefined when the option has no default. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean : O[K] extends { default: string } ? string : string | undefined;
};

/** A bad command line: the message names the option and the value given. */
export class UsageError extends Error {}

/** Bounds of a number option; each one left out is not checked. */
export interface NumberRange {
  /** Smallest allowed value. */
  min?: number;
  /** Largest allowed value. */
  max?: number;
  /** The value must be above this one. */
  above?: number;
  /** The value must be below this one. */
  below?: number;
  /** Reason for the bound, added to the out-of-range message. */
  reason?: string;
}

/** Node's largest timer delay, in milliseconds: a longer setTimeout or setInterval fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const WHOLE_NUMBER = /^\d+$/;
const DECIMAL_NUMBER = /^\d+(\.\d+)?$/;

/** The options and positional arguments of one run of a script, with the checks that turn their text into values. */
export class CommandLine<O extends Record<string, OptionSpec>> {
  readonly values: OptionValues<O>;
  readonly positionals: string[];

  constructor(readonly spec: ScriptSpec<O>, args: string[]) {
    const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {};
    for (const [name, option] of Object.entries(spec.options)) {
      if (option.type === 'boolean') {
        options[name] = { type: 'boolean', default: false };
      } else if (option.default === undefined) {
        options[name] = { type: 'string' };
      } else {
        options[name] = { type: 'string', default: option.default };
      }
    }

    try {
      const parsed = parseArgs({ args, options, allowPositionals: spec.positionals !== undefined, strict: true });
      this.values = parsed.values as OptionValues<O>;
      this.positionals = parsed.positionals;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  /** Reads option `name` as a whole number within `range`. */
  wholeNumber(name: keyof O & string, range: NumberRange): number {
    return this.number(name, range, WHOLE_NUMBER, 'a whole number');
  }

  /** Reads option `name` as a decimal number such as 0.5, within `range`. */
  decimal(name: keyof O & string, range: NumberRange): number {
    return this.number(name, range, DECIMAL_NUMBER, 'a number');
  }

  /** Reads option `name` as a comma-separated list of one or more of `known`. */
  names<T extends string>(name: keyof O & string, known: readonly T[]): T[] {
    const text = this.text(name);
    const names = text.split(',').map((item) => item.trim());
    const unknown = names.filter((item) => !(known as readonly string[]).includes(item));
    if (unknown.length > 0) {
      throw new UsageError(`--${name} names ${unknown.map((item) => `"${item}"`).join(', ')}; expected a comma-separated list of ${known.join(', ')}`);
    }
    return names as T[];
  }

  /** Reads option `name` as one of `known`. */
  choice<T extends string>(name: keyof O & string, known: readonly T[]): T {
    const text = this.text(name);
    if (!(known as readonly string[]).includes(text)) {
      throw new UsageError(`--${name} is "${text}"; expected one of ${known.join(', ')}`);
    }
    return text as T;
  }

  /** Reads option `name` as a comma-separated list of items, each turned into a value by `read`, which throws UsageError. */
  list<T>(name: keyof O & string, read: (item: string) => T): T[] {
    const items = this.text(name).split(',').map((item) => item.trim());
    if (items.some((item) => item === '')) {
      throw new UsageError(`--${name} is "${this.text(name)}"; expected a comma-separated list with no empty item`);
    }
    return items.map(read);
  }

  /**
   * Reads option `name` as the path of a file to write, undefined when not given.
   * Its folder must exist now, so that a long run does not fail at its end on the write.
   */
  outputFile(name: keyof O & string): string | undefined {
    const file = this.values[name];
    if (typeof file !== 'string') {
      return undefined;
    }

    const folder = path.dirname(path.resolve(file));
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw new UsageError(`--${name} is "${file}", but the folder ${folder} does not exist; create it or choose another file`);
    }
    if (existsSync(file) && statSync(file).isDirectory()) {
      throw new UsageError(`--${name} is "${file}", which is a folder; expected a file path`);
    }
    return file;
  }

  /** Reads option `name` as the path of a file or folder that exists, undefined when not given. */
  existingPath(name: keyof O & string): string | undefined {
    const file = this.values[name];
    if (typeof file !== 'string') {
      return undefined;
    }
    if (!existsSync(file)) {
      throw new UsageError(`--${name} is "${file}", which does not exist; expected an existing file or folder`);
    }
    return file;
  }

  /** Returns the option's text, or an empty string when a string option without a default is not given. */
  text(name: keyof O & string): string {
    const value = this.values[name];
    return typeof value === 'string' ? value : '';
  }

  private number(name: keyof O & string, range: NumberRange, pattern: RegExp, kind: string): number {
    return checkNumber(`--${name}`, this.text(name), range, pattern, kind);
  }
}

/** Reads `text` as a whole number within `range`; `label` names it in the message, such as `--reload item "5x"`. */
export function readWholeNumber(label: string, text: string, range: NumberRange): number {
  return checkNumber(label, text, range, WHOLE_NUMBER, 'a whole number');
}

function checkNumber(label: string, text: string, range: NumberRange, pattern: RegExp, kind: string): number {
  const expected = `expected ${kind} ${describeRange(range)}`.trimEnd();
  const value = Number(text);
  if (!pattern.test(text) || !Number.isFinite(value) || (pattern === WHOLE_NUMBER && !Number.isSafeInteger(value))) {
    throw new UsageError(`${label} is "${text}"; ${expected}`);
  }

  const tooLow = (range.min !== undefined && value < range.min) || (range.above !== undefined && value <= range.above);
  const tooHigh = (range.max !== undefined && value > range.max) || (range.below !== undefined && value >= range.below);
  if (tooLow || tooHigh) {
    const reason = range.reason === undefined ? '' : ` (${range.reason})`;
    throw new UsageError(`${label} is ${value}; ${expected}${reason}`);
  }
  return value;
}

/** Describes a range as `from 1 to 20`, `above 0 and below 1` or `of at least 1`, or as an empty string when it has no bound. */
function describeRange(range: NumberRange): string {
  if (range.min !== undefined && range.max !== undefined) {
    return `from ${range.min} to ${range.max}`;
  }

  const bounds: string[] = [];
  if (range.min !== undefined) {
    bounds.push(`of at least ${range.min}`);
  }
  if (range.above !== undefined) {
    bounds.push(`above ${range.above}`);
  }
  if (range.max !== undefined) {
    bounds.push(`up to ${range.max}`);
  }
  if (range.below !== undefined) {
    bounds.push(`below ${range.below}`);
  }
  return bounds.join(' and ');
}

/** Builds the usage text: the command line, the summary, then one line per option with its placeholder and default. */
export function formatUsage(spec: ScriptSpec<Record<string, OptionSpec>>): string {
  const positionals = spec.positionals === undefined ? '' : ` ${spec.positionals}`;
  const lines = [`usage: ${spec.command} [options]${positionals}`, spec.summary, '', 'options:'];
  const rows = Object.entries(spec.options).map(([name, option]) => [`--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`, describeOption(option)] as const);
  rows.push(['--help', 'print this usage and exit']);

  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  for (const [flag, help] of rows) {
    lines.push(`  ${flag.padEnd(width)}${help}`);
  }
  return lines.join('\n');
}

function describeOption(option: OptionSpec): string {
  if (option.type === 'boolean') {
    return `${option.help} (default: off)`;
  }
  return option.default === undefined ? option.help : `${option.help} (default: ${option.default})`;
}

/**
 * Reads the command line of a script with `read`, which checks each value
 * through the CommandLine and returns the script's settings. On `--help` it
 * prints the usage on stdout and exits 0. On a UsageError it prints the
 * error and the usage on stderr and exits 2. Other errors pass through.
 */
export function readCommandLine<O extends Record<string, OptionSpec>, T>(spec: ScriptSpec<O>, read: (commandLine: CommandLine<O>) => T, args = process.argv.slice(2)): T {
  const usage = formatUsage(spec);
  if (asksForHelp(args)) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }

  try {
    return read(new CommandLine(spec, args));
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    process.stderr.write(`${spec.name}: ${error.message}\n${usage}\n`);
    process.exit(2);
  }
}

/** True when `--help` or `-h` comes before a `--` that ends the options. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  return options.includes('--help') || options.includes('-h');
}
