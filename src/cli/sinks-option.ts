// The --sinks option of the offline commands (check, test): rules whose log
// actions name a declared sink load only when the commands read the names
// that `serve --sinks FILE` would declare.
import { CtxprocError } from '../errors/codes.js';
import { declaredSinkNames } from '../sinks/config.js';

export interface SinksOption {
  sinks?: string;
}

/** Sink names from the --sinks file, or undefined for the default (stdout only); exits 2 with the problem when the file is invalid. */
export function sinkNamesOption(options: SinksOption): ReadonlySet<string> | undefined {
  if (options.sinks === undefined) {
    return undefined;
  }

  try {
    return declaredSinkNames(options.sinks);
  } catch (error) {
    if (!(error instanceof CtxprocError)) {
      throw error;
    }
    process.stderr.write(`ctxproc: ${error.message}\n`);
    process.exit(2);
  }
}
