// The one positional argument of the reference servers: the loopback port
// to listen on, where 0 lets the system choose one.
import { readWholeNumber, UsageError, type CommandLine, type OptionSpec } from '../lib/options.js';

/** Reads the optional PORT argument, 0 when it is absent; throws UsageError on more than one argument or a bad port. */
export function readPortArgument(commandLine: CommandLine<Record<string, OptionSpec>>): number {
  const { positionals } = commandLine;
  if (positionals.length > 1) {
    throw new UsageError(`expected at most one PORT, got ${positionals.length} arguments`);
  }
  return positionals.length === 0 ? 0 : readWholeNumber('PORT', positionals[0]!, { min: 0, max: 65_535 });
}
