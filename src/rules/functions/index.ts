// ctxproc's functions beyond standard CEL. Each is declared to cel-js (so
// the type checker and the interpreter accept its calls) and built for the compiler
// from the same implementation, so both give the same results. Arguments that
// are literals are checked at load time, with a message naming the problem.
import type { ASTNode } from '@marcbachmann/cel-js';
import { siteError } from '../compiler/errors.js';
import type { FunctionBuilder } from '../compiler/builtins.js';
import { cidrContains, parseCidr } from './cidr.js';
import { base64Decode, normalizePath, urlDecode } from './decode.js';
import { followJsonPath, parseJsonPath } from './json-path.js';

/** An error that a function raises for a value that it cannot process at run time. */
export class FunctionValueError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'FunctionValueError';
    this.code = code;
  }
}

export interface ExtensionFunction {
  name: string;
  /** True for a method, called as receiver.name(args). */
  receiver: boolean;
  /** Arguments, not counting the receiver. */
  arity: number;
  /** The cel-js declaration, such as 'string.inCidr(string): bool'. */
  signature: string;
  description: string;
  /** The implementation cel-js calls; arguments have the declared types. */
  implementation: (...args: never[]) => unknown;
  /** Checks the literal arguments (undefined where the argument is not a literal); returns a message or null. */
  checkLiterals?: (literals: readonly unknown[]) => string | null;
  build: FunctionBuilder;
}

type Definition = Omit<ExtensionFunction, 'build'> & { prepare?: (literals: readonly unknown[]) => ((...args: never[]) => unknown) | null };

/** Wraps an implementation so a failure returns the call site's prebuilt error, with that site's range. */
function builderOf(definition: Definition): FunctionBuilder {
  const stringArguments = stringArgumentPositions(definition.signature);
  return (node: ASTNode, literals) => {
    const body = (definition.prepare?.(literals) ?? definition.implementation) as (...args: unknown[]) => unknown;
    const errors = new Map<string, Error>();
    const noOverload = siteError(node, 'no_matching_overload', `found no matching overload for '${definition.name}' with these argument types`);
    return (...args) => {
      // A dyn argument of the wrong type fails as cel-js fails it, before the body runs.
      if (stringArguments.some((position) => typeof args[position] !== 'string')) {
        return noOverload;
      }
      try {
        return body(...args);
      } catch (error) {
        const code = error instanceof FunctionValueError ? error.code : 'function_error';
        let prebuilt = errors.get(code);
        if (prebuilt === undefined) {
          prebuilt = siteError(node, code, `${definition.name}() failed: ${code.replaceAll('_', ' ')}`);
          errors.set(code, prebuilt);
        }
        return prebuilt;
      }
    };
  };
}

const invalidBase64 = new FunctionValueError('invalid_base64', 'base64Decode(): the value is not base64 text');
const noSuchPath = new FunctionValueError('no_such_key', 'jsonPath(): nothing at this path');

function inCidr(address: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  if (typeof range === 'string') {
    throw new FunctionValueError('invalid_cidr', range);
  }
  return cidrContains(range, address);
}

function jsonPath(value: unknown, path: string): unknown {
  const steps = parseJsonPath(path);
  if (typeof steps === 'string') {
    throw new FunctionValueError('invalid_json_path', steps);
  }
  const found = followJsonPath(value, steps);
  if (found === undefined) {
    throw noSuchPath;
  }
  return found;
}

const DEFINITIONS: Definition[] = [
  {
    name: 'inCidr',
    receiver: true,
    arity: 1,
    signature: 'string.inCidr(string): bool',
    description: "Returns true when the IPv4 or IPv6 address is inside the CIDR range, as source.address.inCidr('10.0.0.0/8'); false when the receiver is no address.",
    implementation: inCidr,
    checkLiterals: ([cidr]) => (typeof cidr === 'string' ? stringOrNull(parseCidr(cidr)) : null),
    // A literal range is parsed once, at load time.
    prepare: ([cidr]) => {
      const range = typeof cidr === 'string' ? parseCidr(cidr) : null;
      return range === null || typeof range === 'string' ? null : (address: string) => cidrContains(range, address);
    },
  },
  {
    name: 'jsonPath',
    receiver: false,
    arity: 2,
    signature: 'jsonPath(dyn, string): dyn',
    description: "Returns the value at a JSON path ($.a.b, $['a'], $.list[0]) inside a parsed JSON value such as request.json; a missing value is a no_such_key error, like a missing map key.",
    implementation: jsonPath,
    checkLiterals: ([, path]) => (typeof path === 'string' ? stringOrNull(parseJsonPath(path)) : null),
    // A literal path is parsed once, at load time.
    prepare: ([, path]) => {
      const steps = typeof path === 'string' ? parseJsonPath(path) : null;
      return steps === null || typeof steps === 'string' ? null : (value: unknown) => {
        const found = followJsonPath(value, steps);
        if (found === undefined) {
          throw noSuchPath;
        }
        return found;
      };
    },
  },
  {
    name: 'urlDecode',
    receiver: true,
    arity: 0,
    signature: 'string.urlDecode(): string',
    description: "Decodes %XX sequences and '+' as a space; malformed sequences stay as they are.",
    implementation: urlDecode,
  },
  {
    name: 'base64Decode',
    receiver: true,
    arity: 0,
    signature: 'string.base64Decode(): string',
    description: 'Decodes standard or URL-safe base64 to UTF-8 text; text that is not base64 is an invalid_base64 error.',
    implementation: (text: string) => {
      const decoded = base64Decode(text);
      if (decoded === null) {
        throw invalidBase64;
      }
      return decoded;
    },
  },
  {
    name: 'lower',
    receiver: true,
    arity: 0,
    signature: 'string.lower(): string',
    description: 'Returns the text in lower case (Unicode, as JavaScript toLowerCase).',
    implementation: (text: string) => text.toLowerCase(),
  },
  {
    name: 'upper',
    receiver: true,
    arity: 0,
    signature: 'string.upper(): string',
    description: 'Returns the text in upper case (Unicode, as JavaScript toUpperCase).',
    implementation: (text: string) => text.toUpperCase(),
  },
  {
    name: 'normalizePath',
    receiver: true,
    arity: 0,
    signature: 'string.normalizePath(): string',
    description: "Merges repeated slashes and removes '.' and '..' segments (RFC 3986, section 5.2.4); the query string is kept.",
    implementation: normalizePath,
  },
];

/** Returns the positions (receiver first) that a signature such as 'string.inCidr(string): bool' declares as string. */
function stringArgumentPositions(signature: string): number[] {
  const match = /^(?:(\w+)\.)?\w+\(([^)]*)\)/.exec(signature);
  const receiver = match?.[1] === undefined ? [] : [match[1]];
  const parameters = match?.[2] ? match[2].split(',').map((type) => type.trim()) : [];
  return [...receiver, ...parameters].flatMap((type, position) => (type === 'string' ? [position] : []));
}

function stringOrNull(result: unknown): string | null {
  return typeof result === 'string' ? result : null;
}

export const EXTENSION_FUNCTIONS: readonly ExtensionFunction[] = DEFINITIONS.map((definition) => ({ ...definition, build: builderOf(definition) }));
