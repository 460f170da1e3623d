// Compiles CEL expressions once, at load time: parse, check that every
// attribute exists, type-check against the attribute table, infer the phase,
// and translate the checked AST into JavaScript closures (compiler/). An
// expression the compiler does not translate runs on the cel-js interpreter,
// and interpretedExpressionCount() reports how many do.
import { randomUUID } from 'node:crypto';
import { Environment } from '@marcbachmann/cel-js';
import type { ParseResult } from '@marcbachmann/cel-js';
import { Phase } from '../model/phase.js';
import { BODY_SOURCE_KEY } from '../model/record.js';
import { Activation, ConnectionAttributes, CtxprocAttributes, PeerAttributes, RequestAttributes, ResponseAttributes } from './activation.js';
import { attributeName, findAttributeReads, laterNeed, phaseOfReads, unknownAttributes } from './attribute-reads.js';
import { regexCallProblems } from './regex-calls.js';
import type { PhaseNeed } from './attribute-reads.js';
import { ATTRIBUTE_ROOTS, ATTRIBUTES, ROOT_NAMES, VALUE_ROOTS } from './attributes.js';
import { compileChecked, registerMessageClass, valueOrThrow } from './compiler/index.js';
import { EXTENSION_FUNCTIONS } from './functions/index.js';
import { functionCallProblems, listCallProblems, usesInList } from './function-calls.js';
import type { NamedLists } from './functions/named-lists.js';
import { headerKeysRead, upperCaseHeaderLiterals } from './header-literals.js';
import { strictIntSource } from './interpreted-int.js';
import type { ProblemCode } from './problems.js';
import { findGuards, type Guard } from './rule-index/guards.js';

/** Attribute group classes, by the CEL type name the attribute table gives them. */
const ATTRIBUTE_CLASSES: Record<string, new (...args: never[]) => object> = {
  Request: RequestAttributes,
  Response: ResponseAttributes,
  Peer: PeerAttributes,
  Connection: ConnectionAttributes,
  Ctxproc: CtxprocAttributes,
};

function createEnvironment(): Environment {
  const environment = new Environment();

  const registered = new Set<string>();
  for (const root of ATTRIBUTE_ROOTS) {
    const { typeName, fields } = ATTRIBUTES[root];
    if (!registered.has(typeName)) {
      const ctor = ATTRIBUTE_CLASSES[typeName];
      const fieldTypes = Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, spec.type]));
      environment.registerType(typeName, { ctor: ctor as new () => object, fields: fieldTypes });
      registerMessageClass(ctor, Object.keys(fields));
      registered.add(typeName);
    }
    environment.registerVariable(root, typeName);
  }
  for (const [root, spec] of Object.entries(VALUE_ROOTS)) {
    environment.registerVariable(root, spec.type);
  }

  environment.registerFunction('uuid(): string', () => randomUUID(), {
    description: 'Returns a new random UUID (version 4), for example as an x-request-id value.',
  });
  for (const extension of EXTENSION_FUNCTIONS) {
    environment.registerFunction(extension.signature, extension.implementation as (...args: unknown[]) => unknown, { description: extension.description });
  }
  // The compiler implements inList() with the rule file's lists; this
  // declaration only lets the type checker accept the call.
  environment.registerFunction('string.inList(string): bool', () => {
    throw new Error('inList() runs only in compiled conditions');
  }, { description: "Returns true when the string is an entry of the named list, or an IP address inside one of its CIDR ranges, as source.address.inList('blocked')." });
  return environment;
}

// Creating an Environment is costly (cel-js clones its registry), so one is
// shared by every rule set; it is never changed after this point.
const environment = createEnvironment();

/** A CEL error, with its character offset in the expression. */
export interface CelProblem {
  code: Extract<ProblemCode, 'cel_syntax' | 'cel_type' | 'unknown_attribute' | 'invalid_header_name' | 'unsafe_regex' | 'invalid_argument'>;
  message: string;
  offset: number;
}

export interface CompiledExpression {
  readonly source: string;
  /** CEL result type found by the type checker, e.g. bool, string or dyn. */
  readonly type: string;
  /** Latest phase among the attributes read. */
  readonly phase: Phase;
  /** The attribute that needs that phase, for messages; null when no attribute is read. */
  readonly phaseAttribute: string | null;
  /** Header and trailer names whose values the expression reads, lower-case. */
  readonly headerKeys: readonly string[];
  /** Attributes read, as root.field, or the root alone when the expression uses it whole; without repeats. */
  readonly attributes: readonly string[];
  /** False when the compiler left the expression to the cel-js interpreter. */
  readonly compiled: boolean;
  /** Literal tests joined by && that the rule index checks before evaluating; empty for interpreted expressions. */
  readonly guards: readonly Guard[];
  /**
   * Evaluates the expression. A runtime error throws an Error with the
   * cel-js error code (`code`) and the failing node's range (`range`).
   */
  evaluate(activation: Activation): unknown;
  /** Evaluates the expression like evaluate(), but returns a runtime error instead of throwing it, which is much cheaper. */
  evaluateOrError(activation: Activation): unknown;
}

export type CompileResult = { expression: CompiledExpression; problems: [] } | { expression: null; problems: CelProblem[] };

/** Result types a use site accepts; dyn is accepted too and checked at run time. */
export type ExpectedType = 'bool' | 'string' | 'any';

/** Compile options: the named lists of the expression's rule file, which inList() reads. */
export interface CompileOptions {
  lists?: NamedLists;
}

/** Parses, checks and analyses source. use names the place for messages, such as "when". */
export function compileExpression(source: string, expected: ExpectedType, use: string, options: CompileOptions = {}): CompileResult {
  const lists = options.lists ?? new Map();
  let parsed: ParseResult;
  try {
    parsed = environment.parse(source);
  } catch (error) {
    return failure('cel_syntax', `invalid CEL in ${use}: ${summaryOf(error)}`, error);
  }

  const reads = findAttributeReads(parsed.ast);
  const unknown = unknownAttributes(reads);
  if (unknown.length > 0) {
    const problems = unknown.map(({ read, message }) => ({ code: 'unknown_attribute' as const, message: `${message} (in ${use})`, offset: read.start }));
    return { expression: null, problems };
  }

  const upperCase = upperCaseHeaderLiterals(parsed.ast);
  if (upperCase.length > 0) {
    const problems = upperCase.map(({ name, start }) => ({
      code: 'invalid_header_name' as const,
      message: `header name '${name}' in ${use} never matches, because header maps have lower-case names; write '${name.toLowerCase()}'`,
      offset: start,
    }));
    return { expression: null, problems };
  }

  const regexProblems = regexCallProblems(parsed.ast);
  if (regexProblems.length > 0) {
    return { expression: null, problems: regexProblems.map(({ message, offset }) => ({ code: 'unsafe_regex' as const, message: `${message} (in ${use})`, offset })) };
  }

  const functionProblems = [...functionCallProblems(parsed.ast), ...listCallProblems(parsed.ast, lists)];
  if (functionProblems.length > 0) {
    return { expression: null, problems: functionProblems.map(({ message, offset }) => ({ code: 'invalid_argument' as const, message: `${message} (in ${use})`, offset })) };
  }

  const checked = parsed.check();
  if (!checked.valid) {
    return typeFailure(checked.error, use);
  }

  const type = checked.type ?? 'dyn';
  if (expected !== 'any' && type !== expected && type !== 'dyn') {
    return { expression: null, problems: [{ code: 'cel_type', message: `${use} must be a CEL expression of type ${expected}, but it returns ${type}${quotingHint(expected)}`, offset: 0 }] };
  }

  const evaluator = evaluatorOf(source, parsed, lists);
  if (!evaluator.compiled && usesInList(parsed.ast)) {
    return { expression: null, problems: [{ code: 'cel_type', message: `${use} calls inList() and also a construct the compiler does not translate (such as bytes, uint or durations), and only compiled conditions can read named lists; split the condition`, offset: 0 }] };
  }

  const need = phaseOfReads(reads);
  const attributes = [...new Set(reads.map((read) => (read.field === null ? read.root : attributeName(read.root, read.field))))];
  const expression: CompiledExpression = {
    source,
    type,
    phase: need.phase,
    phaseAttribute: need.attribute,
    headerKeys: sourceKeys(parsed.ast, attributes),
    attributes,
    guards: evaluator.compiled ? findGuards(parsed.ast) : [],
    ...evaluator,
  };
  return { expression, problems: [] };
}

let interpretedCount = 0;

/** Returns how many expressions, since the process started, run on the cel-js interpreter because the compiler does not translate them. */
export function interpretedExpressionCount(): number {
  return interpretedCount;
}

function evaluatorOf(source: string, parsed: ParseResult, lists: NamedLists): Pick<CompiledExpression, 'compiled' | 'evaluate' | 'evaluateOrError'> {
  const result = compileChecked(parsed.ast, lists);
  if (result.evaluate !== null) {
    return compiledEvaluator(result.evaluate);
  }
  return interpretedEvaluator(interpretedParse(source, parsed));
}

/** Returns the checked parse the interpreter runs: `parsed`, or the parse of its source with int() of strings made strict (interpreted-int.ts). */
function interpretedParse(source: string, parsed: ParseResult): ParseResult {
  const strict = strictIntSource(source, parsed.ast);
  if (strict === null) {
    return parsed;
  }

  const reparsed = environment.parse(strict);
  reparsed.check();
  return reparsed;
}

// The two evaluators are built in separate functions because V8 gives all
// closures of one function call a shared context. A compiled evaluator
// built beside the interpreter's closure would keep the whole parse result
// (AST and type-checker state) alive for as long as the rule set serves.
function compiledEvaluator(evaluate: (activation: Record<string, unknown>) => unknown): Pick<CompiledExpression, 'compiled' | 'evaluate' | 'evaluateOrError'> {
  return {
    compiled: true,
    evaluate: evaluateOrThrow,
    // The compiled evaluator already has this signature, so it is used as is, saving a call per evaluation.
    evaluateOrError: evaluate as unknown as (activation: Activation) => unknown,
  };
}

// One function for every compiled expression, called as its method, rather
// than a closure and a context per expression that a rule set keeps alive.
function evaluateOrThrow(this: Pick<CompiledExpression, 'evaluateOrError'>, activation: Activation): unknown {
  return valueOrThrow(this.evaluateOrError(activation));
}

function interpretedEvaluator(parsed: ParseResult): Pick<CompiledExpression, 'compiled' | 'evaluate' | 'evaluateOrError'> {
  interpretedCount++;
  const interpret = (activation: Activation): unknown => parsed(activation as unknown as Record<string, unknown>) as unknown;
  const interpretOrError = (activation: Activation): unknown => {
    try {
      return interpret(activation);
    } catch (error) {
      return error;
    }
  };
  return { compiled: false, evaluate: interpret, evaluateOrError: interpretOrError };
}

/** Evaluates source with the cel-js interpreter, for tests and benchmarks that compare it with the compiled form. */
export function interpretExpression(source: string): (activation: unknown) => unknown {
  const parsed = environment.parse(source);
  const checked = parsed.check();
  if (!checked.valid) {
    throw new Error(`invalid CEL ${JSON.stringify(source)}: ${summaryOf(checked.error)}`);
  }
  const interpreted = interpretedParse(source, parsed);
  return (activation) => interpreted(activation as Record<string, unknown>) as unknown;
}

function typeFailure(error: unknown, use: string): CompileResult {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'unknown_variable') {
    const name = summaryOf(error).replace(/^Unknown variable: /, '');
    return failure('unknown_attribute', `unknown attribute root '${name}' in ${use}; expected one of: ${ROOT_NAMES.join(', ')}`, error);
  }
  const summary = summaryOf(error);
  return failure('cel_type', `invalid CEL in ${use}: ${summary}${summary.startsWith('has() invalid argument') ? HAS_HINT : ''}`, error);
}

/** cel-js rejects has() of an index, the usual way to ask for a header, without saying what works. */
const HAS_HINT = "; has() takes a field selection, such as has(request.json.user); for a header or a map key write 'x-name' in request.headers";

function quotingHint(expected: ExpectedType): string {
  return expected === 'string' ? `; quote literal text inside the expression, as "'text'"` : '';
}

function failure(code: CelProblem['code'], message: string, error: unknown): CompileResult {
  const offset = (error as { range?: { start: number } } | undefined)?.range?.start ?? 0;
  return { expression: null, problems: [{ code, message, offset }] };
}

/** Returns the one-line summary of a cel-js error, without its source excerpt. */
export function summaryOf(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as Error & { summary?: string }).summary;
    return summary ?? error.message.split('\n')[0] ?? error.message;
  }
  return String(error);
}

/** Returns the latest phase, and its attribute, among expressions. */
export function needOfExpressions(expressions: readonly CompiledExpression[]): PhaseNeed {
  let need: PhaseNeed = { phase: Phase.RequestHeaders, attribute: null };
  for (const expression of expressions) {
    need = laterNeed(need, { phase: expression.phase, attribute: expression.phaseAttribute });
  }
  return need;
}

/** Attributes whose values come from a body, whole or parsed. */
const BODY_ATTRIBUTES = new Set(['request', 'request.body', 'request.json', 'request.form', 'response', 'response.body', 'response.json']);

/** Returns the header names an expression reads, and BODY_SOURCE_KEY when it reads a body. */
function sourceKeys(ast: ParseResult['ast'], attributes: readonly string[]): readonly string[] {
  const headers = headerKeysRead(ast);
  return attributes.some((name) => BODY_ATTRIBUTES.has(name)) ? [...headers, BODY_SOURCE_KEY] : headers;
}
