// One lookup over the standard functions the compiler runs and ctxproc's own.
import { BUILTINS, functionKey } from './builtins.js';
import type { FunctionBuilder } from './builtins.js';
import { EXTENSION_FUNCTIONS } from '../functions/index.js';

const TABLE = new Map<string, FunctionBuilder>(BUILTINS);
for (const extension of EXTENSION_FUNCTIONS) {
  TABLE.set(functionKey(extension.name, extension.arity, extension.receiver), extension.build);
}

/** Returns the builder of name with arity arguments (not counting a receiver), or undefined. */
export function findFunction(name: string, arity: number, receiver: boolean): FunctionBuilder | undefined {
  return TABLE.get(functionKey(name, arity, receiver));
}
