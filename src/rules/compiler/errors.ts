// Evaluation errors of compiled expressions. Each error site builds its error
// once, at load time. Closures return that object as a value instead of
// throwing it, because a JavaScript throw cost about 600 ns even without a
// stack capture (measured on Node 24 on a shared 2-CPU machine). A rule that
// reads a missing header fails on every request that lacks it, so that cost
// would add up. Only the expression's entry point throws. The error carries
// the cel-js error code and the source range of the failing node, which is
// all that rule error reports read. Messages never quote request data,
// because a map key or a parsed string may be a secret.
import type { ASTNode } from '@marcbachmann/cel-js';

export class CompiledEvaluationError extends Error {
  readonly code: string;
  readonly range: { start: number; end: number };

  constructor(code: string, message: string, range: { start: number; end: number }) {
    // A site error is built while the rules compile, so a stack trace would
    // show the compiler, not the request. Capturing none keeps about 650
    // bytes per error (ten call-site records) off the heap, and a rule has several.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'CompiledEvaluationError';
    this.code = code;
    this.range = { start: range.start, end: range.end };
  }
}

/**
 * Site errors already built, by code, range and message. Rule sets of
 * thousands of rules are mostly generated from a few templates, so most of
 * their sites fail with the same error at the same offsets. Sharing one
 * object is safe because an error is never changed and reports read the
 * range against the failing rule's own source. It kept 7 errors, about 820
 * bytes, off the heap for each rule of the reload benchmark's shape, which
 * every collection during a reload would copy or mark.
 */
const builtErrors = new Map<string, CompiledEvaluationError>();

/** Shared errors kept at most; the map is emptied when full, so diverse rule sets cost no more than before. */
const MAX_SHARED_ERRORS = 4096;

/** Builds the reusable error of one site; message describes the failure without runtime values. */
export function siteError(node: ASTNode, code: string, message: string): CompiledEvaluationError {
  return sharedError(code, message, node.range.start, node.range.end);
}

/** Builds the error of a field selection a.b; like cel-js, its range is the field name only. */
export function fieldError(node: ASTNode, field: string): CompiledEvaluationError {
  return sharedError('no_such_key', `No such key: ${field}`, node.range.end - field.length, node.range.end);
}

function sharedError(code: string, message: string, start: number, end: number): CompiledEvaluationError {
  const key = `${code} ${start} ${end} ${message}`;
  const built = builtErrors.get(key);
  if (built !== undefined) {
    return built;
  }

  if (builtErrors.size >= MAX_SHARED_ERRORS) {
    builtErrors.clear();
  }
  const error = new CompiledEvaluationError(code, message, { start, end });
  builtErrors.set(key, error);
  return error;
}

/** Returns true when a closure's result is an error rather than a CEL value. */
export function isError(value: unknown): value is CompiledEvaluationError {
  return value instanceof CompiledEvaluationError;
}
