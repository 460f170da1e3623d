// The standard CEL functions the compiler runs itself, with cel-js 8's
// behaviour: the same conversions, the same accepted string forms and the
// same errors. A call whose arguments have other runtime types fails with
// no_matching_overload, as in cel-js.
import type { ASTNode } from '@marcbachmann/cel-js';
import { siteError } from './errors.js';
import type { CompiledEvaluationError } from './errors.js';
import { kindOf, mapSize, toArray } from './values.js';
import type { MapValue } from './values.js';
import { literalPattern, testPattern } from './literal-pattern.js';

/** A function body. It returns a prebuilt error instead of a value, and never builds an error per call. */
export type FunctionBody = (...args: unknown[]) => unknown;

/** Builds the body of one call site, so errors and literal arguments are prepared once. */
export type FunctionBuilder = (node: ASTNode, literalArgs: readonly unknown[]) => FunctionBody;

const MAX_INT = 2n ** 63n - 1n;
const MIN_INT = -(2n ** 63n);
const MIN_TIME_MS = -62135596800000;
const MAX_TIME_MS = 253402300799999;

/** Key of a function in the tables: name, arity, and whether it has a receiver. */
export function functionKey(name: string, arity: number, receiver: boolean): string {
  return `${receiver ? 'method' : 'global'}:${name}/${arity}`;
}

/** Builds the error of a call site whose argument types match no overload of name. */
export function noOverload(node: ASTNode, name: string): CompiledEvaluationError {
  return siteError(node, 'no_matching_overload', `found no matching overload for '${name}' with these argument types`);
}

function stringMethod(name: string, body: (receiver: string, argument: string) => unknown): [string, FunctionBuilder] {
  return [functionKey(name, 1, true), (node) => {
    const error = noOverload(node, name);
    return (receiver, argument) => {
      if (typeof receiver !== 'string' || typeof argument !== 'string') {
        return error;
      }
      return body(receiver, argument);
    };
  }];
}

function stringTransform(name: string, body: (receiver: string) => string): [string, FunctionBuilder] {
  return [functionKey(name, 0, true), (node) => {
    const error = noOverload(node, name);
    return (receiver) => {
      if (typeof receiver !== 'string') {
        return error;
      }
      return body(receiver);
    };
  }];
}

function codePointCount(text: string): number {
  let count = 0;
  for (const _ of text) {
    count++;
  }
  return count;
}

const sizeBuilder: FunctionBuilder = (node) => {
  const error = noOverload(node, 'size');
  return (value) => {
    const kind = kindOf(value);
    if (kind === 'string') {
      return BigInt(codePointCount(value as string));
    }
    if (kind === 'list') {
      return BigInt(toArray(value as unknown[]).length);
    }
    if (kind === 'map') {
      return BigInt(mapSize(value as MapValue));
    }
    return error;
  };
};

/** Builds matches(); the pattern is a checked string literal, so it is compiled once here. */
const matchesBuilder: FunctionBuilder = (node, literalArgs) => {
  const error = noOverload(node, 'matches');
  const pattern = literalArgs[0];
  const compiled = typeof pattern === 'string' ? literalPattern(pattern) : null;
  return (receiver, argument) => {
    if (typeof receiver !== 'string' || typeof argument !== 'string') {
      return error;
    }
    return compiled === null ? new RegExp(argument).test(receiver) : testPattern(compiled, receiver);
  };
};

const intBuilder: FunctionBuilder = (node) => {
  const error = noOverload(node, 'int');
  const overflow = siteError(node, 'numeric_overflow', 'int() type error: integer overflow');
  const invalid = siteError(node, 'int_conversion_error', 'int() type error: cannot convert to int');
  return (value) => {
    if (typeof value === 'bigint') {
      return value;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        return overflow;
      }
      return BigInt(Math.trunc(value));
    }
    if (typeof value === 'string') {
      return intFromString(value, invalid);
    }
    return error;
  };
};

/** A CEL int literal in a string: decimal digits with an optional sign. BigInt alone would also take '' (as 0), '0b1' and '0o7'. */
const DECIMAL_INT = /^[+-]?\d{1,19}$/;

function intFromString(text: string, invalid: Error): bigint | Error {
  if (!DECIMAL_INT.test(text)) {
    return invalid;
  }

  let parsed: bigint;
  try {
    parsed = BigInt(text);
  } catch {
    return invalid;
  }
  if (parsed > MAX_INT || parsed < MIN_INT) {
    return invalid;
  }
  return parsed;
}

const DOUBLE_WORDS: Record<string, number> = {
  inf: Infinity,
  '+inf': Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-inf': -Infinity,
  '-infinity': -Infinity,
  nan: NaN,
};

const doubleBuilder: FunctionBuilder = (node) => {
  const error = noOverload(node, 'double');
  const invalid = siteError(node, 'double_conversion_error', 'double() type error: cannot convert to double');
  return (value) => {
    if (typeof value === 'number') {
      return value;
    }
    if (typeof value === 'bigint') {
      return Number(value);
    }
    if (typeof value !== 'string') {
      return error;
    }

    if (value === '' || value !== value.trim()) {
      return invalid;
    }
    const word = DOUBLE_WORDS[value.toLowerCase()];
    if (word !== undefined) {
      return word;
    }
    const parsed = Number(value);
    if (Number.isNaN(parsed)) {
      return invalid;
    }
    return parsed;
  };
};

const stringBuilder: FunctionBuilder = (node) => {
  const error = noOverload(node, 'string');
  return (value) => {
    switch (typeof value) {
      case 'string':
        return value;
      case 'boolean':
      case 'bigint':
        return String(value);
      case 'number':
        return doubleText(value);
      default:
        return error;
    }
  };
};

/** Formats a double as cel-js 8 does: infinities as +Inf and -Inf. */
function doubleText(value: number): string {
  if (value === Infinity) {
    return '+Inf';
  }
  if (value === -Infinity) {
    return '-Inf';
  }
  return String(value);
}

const TRUE_WORDS = new Set(['1', 't', 'true', 'TRUE', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'FALSE', 'False']);

const boolBuilder: FunctionBuilder = (node) => {
  const error = noOverload(node, 'bool');
  const invalid = siteError(node, 'bool_conversion_error', 'bool() conversion error: invalid string value');
  return (value) => {
    if (typeof value === 'boolean') {
      return value;
    }
    if (typeof value !== 'string') {
      return error;
    }
    if (TRUE_WORDS.has(value)) {
      return true;
    }
    if (FALSE_WORDS.has(value)) {
      return false;
    }
    return invalid;
  };
};

const timestampBuilder: FunctionBuilder = (node) => {
  const error = noOverload(node, 'timestamp');
  const invalid = siteError(node, 'invalid_timestamp', 'timestamp() requires an ISO 8601 string or unix seconds in range');
  return (value) => {
    let date: Date;
    if (typeof value === 'string') {
      if (value.length < 20 || value.length > 30) {
        return invalid;
      }
      date = new Date(value);
    } else if (typeof value === 'bigint') {
      date = new Date(Number(value) * 1000);
    } else {
      return error;
    }

    const time = date.getTime();
    if (!(time <= MAX_TIME_MS && time >= MIN_TIME_MS)) {
      return invalid;
    }
    return date;
  };
};

const joinBuilder = (arity: number): FunctionBuilder => (node) => {
  const error = noOverload(node, 'join');
  const notStrings = siteError(node, 'invalid_argument', 'join(): list must contain only strings');
  return (list, separator) => {
    if (kindOf(list) !== 'list' || (arity === 1 && typeof separator !== 'string')) {
      return error;
    }
    const items = toArray(list as unknown[]);
    if (!items.every((item) => typeof item === 'string')) {
      return notStrings;
    }
    return items.join(arity === 1 ? (separator as string) : '');
  };
};

const splitBuilder: FunctionBuilder = (node) => {
  const error = noOverload(node, 'split');
  return (text, separator) => {
    if (typeof text !== 'string' || typeof separator !== 'string') {
      return error;
    }
    return text.split(separator);
  };
};

/** Builds substring(start) or substring(start, end); indexes count UTF-16 code units, as in cel-js 8. */
const substringBuilder = (arity: number): FunctionBuilder => (node) => {
  const error = noOverload(node, 'substring');
  const startOutOfRange = siteError(node, 'index_out_of_range', 'string.substring(start, end): start index out of range');
  const endOutOfRange = siteError(node, 'index_out_of_range', 'string.substring(start, end): end index out of range');
  return (text, startValue, endValue) => {
    if (typeof text !== 'string' || typeof startValue !== 'bigint' || (arity === 2 && typeof endValue !== 'bigint')) {
      return error;
    }

    const start = Number(startValue);
    if (start < 0 || start > text.length) {
      return startOutOfRange;
    }
    if (arity === 1) {
      return text.substring(start);
    }
    const end = Number(endValue);
    if (end < start || end > text.length) {
      return endOutOfRange;
    }
    return text.substring(start, end);
  };
};

const identityBuilder: FunctionBuilder = () => (value) => value;

/** Standard functions by key; cel-js provides their declarations, so none is registered. */
export const BUILTINS: ReadonlyMap<string, FunctionBuilder> = new Map<string, FunctionBuilder>([
  stringMethod('startsWith', (receiver, prefix) => receiver.startsWith(prefix)),
  stringMethod('endsWith', (receiver, suffix) => receiver.endsWith(suffix)),
  stringMethod('contains', (receiver, part) => receiver.includes(part)),
  stringMethod('indexOf', (receiver, part) => BigInt(receiver.indexOf(part))),
  stringMethod('lastIndexOf', (receiver, part) => BigInt(receiver.lastIndexOf(part))),
  stringTransform('lowerAscii', (receiver) => receiver.toLowerCase()),
  stringTransform('upperAscii', (receiver) => receiver.toUpperCase()),
  stringTransform('trim', (receiver) => receiver.trim()),
  [functionKey('matches', 1, true), matchesBuilder],
  [functionKey('split', 1, true), splitBuilder],
  [functionKey('substring', 1, true), substringBuilder(1)],
  [functionKey('substring', 2, true), substringBuilder(2)],
  [functionKey('join', 0, true), joinBuilder(0)],
  [functionKey('join', 1, true), joinBuilder(1)],
  [functionKey('size', 1, false), sizeBuilder],
  [functionKey('size', 0, true), sizeBuilder],
  [functionKey('int', 1, false), intBuilder],
  [functionKey('double', 1, false), doubleBuilder],
  [functionKey('string', 1, false), stringBuilder],
  [functionKey('bool', 1, false), boolBuilder],
  [functionKey('dyn', 1, false), identityBuilder],
  [functionKey('timestamp', 1, false), timestampBuilder],
]);
