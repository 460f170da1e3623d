// Compares compiled conditions with the cel-js interpreter on the same
// expressions and the same activation. Run: npm run bench:cel
// (builds first). Prints nanoseconds per evaluation for each expression and
// the ratio. Each figure is the fastest of ROUNDS timed rounds, compiled and
// interpreted rounds interleaved, because on a shared machine other
// processes only ever add time. The run takes about 10 seconds.
//
// Every condition is compiled and every evaluator warmed up before the
// first timed round, as in an engine that has loaded its rule set and
// served traffic. Timing each condition right after compiling it measured
// the first ones in a state that a loaded engine is never in. While a
// function literal has made only one closure, V8 specialises that closure
// on the values it captured. In a rule set, the shared closures are made
// many times.
import { performance } from 'node:perf_hooks';
import type { Exchange, HeaderList } from '../../src/model/exchange.js';
import { encodeRequest } from '../../src/protocol/codec.js';
import { decodeSessionRequest } from '../../src/protocol/request-decoder.js';
import { headerValue, requestFactsFromHeaders } from '../../src/session/headers.js';
import { newTransactionRecord } from '../../src/model/record.js';
import { Activation } from '../../src/rules/activation.js';
import { compileExpression, interpretExpression } from '../../src/rules/cel.js';
import { readCommandLine } from '../lib/options.js';

/** Conditions of the kind rule files hold: method and path checks, headers present or missing, status lists, macros. */
const CONDITIONS: readonly string[] = [
  "request.method == 'POST' && request.url_path.startsWith('/api/')",
  "!('x-request-id' in request.headers)",
  '!has(response.code) || !(response.code in [200, 201])',
  "request.headers['x-partner-id'] != ''",
  "request.headers['authorization'].startsWith('Bearer ')",
  "source.address == '198.51.100.7'",
  "request.headers.exists(name, name.startsWith('x-debug'))",
  "request.useragent.matches('sqlmap|nikto')",
  "request.size > 1048576 || request.headers['content-type'].contains('multipart')",
  "response.code >= 500 && request.method in ['GET', 'HEAD']",
];

/** Evaluations per timed round, and rounds per expression and evaluator; fixed so the run time is bounded. */
const ITERATIONS = 50_000;
const ROUNDS = 5;
const WARMUP = 10_000;

/**
 * Builds the activation's exchange the way the session does: the headers
 * are encoded as Envoy sends them (raw_value bytes), decoded by the
 * session's decoder and turned into request facts by the session's
 * function. Strings written here as JavaScript literals would be V8
 * internalised strings, which compare faster than decoded ones, so a
 * benchmark built from them would time a state production never reaches.
 */
function exchange(): Exchange {
  const requestHeaders = decodedHeaders('request_headers', [
    [':method', 'POST'], [':path', '/api/orders?id=9'], [':authority', 'shop.example'], [':scheme', 'https'],
    ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64)'], ['content-type', 'application/json'], ['content-length', '512'],
    ['accept', '*/*'], ['x-request-id', '5b8c6a2e'], ['cookie', 'session=abc; theme=dark'],
  ]);
  const responseHeaders = decodedHeaders('response_headers', [[':status', '200'], ['content-type', 'application/json']]);
  return {
    id: 'bench',
    startTimeMs: Date.UTC(2026, 0, 2),
    startNs: 0n,
    endNs: null,
    request: requestFactsFromHeaders(requestHeaders),
    response: { code: Number(headerValue(responseHeaders, ':status')), headers: responseHeaders, body: null, trailers: null },
    source: { address: '203.0.113.9', port: 51000 },
    destination: { address: '10.0.0.5', port: 8080 },
    attributes: {},
  };
}

/** Returns headers after a round trip through the wire format and the session's decoder. */
function decodedHeaders(kind: 'request_headers' | 'response_headers', headers: Array<[string, string]>): HeaderList {
  const wire = headers.map(([key, value]) => ({ key, raw_value: Buffer.from(value) }));
  const decoded = decodeSessionRequest(encodeRequest({ [kind]: { headers: { headers: wire }, end_of_stream: true } }));
  const pairs = decoded[kind]?.headers?.pairs;
  if (pairs === undefined) {
    throw new Error(`the session decoder returned no ${kind}; check src/protocol/request-decoder.ts`);
  }
  return pairs;
}

function warmUp(evaluate: (activation: Activation) => unknown, activation: Activation): void {
  for (let i = 0; i < WARMUP; i++) {
    try {
      evaluate(activation);
    } catch {
      // Errors are part of the measured work: a missing header is an error in CEL.
    }
  }
}

/** Returns the fastest round of each evaluator, in nanoseconds per evaluation. */
function fastestRounds(compiled: (activation: Activation) => unknown, interpreted: (activation: Activation) => unknown, activation: Activation): [number, number] {
  warmUp(compiled, activation);
  warmUp(interpreted, activation);

  let compiledNs = Infinity;
  let interpretedNs = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    compiledNs = Math.min(compiledNs, nanosecondsPerEvaluation(compiled, activation));
    interpretedNs = Math.min(interpretedNs, nanosecondsPerEvaluation(interpreted, activation));
  }
  return [compiledNs, interpretedNs];
}

function nanosecondsPerEvaluation(evaluate: (activation: Activation) => unknown, activation: Activation): number {
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    try {
      evaluate(activation);
    } catch {
      // As above.
    }
  }
  return ((performance.now() - start) * 1e6) / ITERATIONS;
}

/** Compiles source; throws when the compiler leaves it to the interpreter, because then there is nothing to compare. */
function compiledEvaluator(source: string): (activation: Activation) => unknown {
  const result = compileExpression(source, 'bool', 'benchmark');
  if (result.expression === null || !result.expression.compiled) {
    throw new Error(`benchmark condition ${JSON.stringify(source)} is not compiled; fix the table or the compiler`);
  }
  return result.expression.evaluateOrError;
}

interface Evaluators {
  source: string;
  compiled: (activation: Activation) => unknown;
  interpreted: (activation: Activation) => unknown;
}

/**
 * Compiles every condition twice and keeps the second, so that every fused
 * closure the table uses has been made more than once, as in a rule set of
 * more than one rule. Then warms up all evaluators.
 */
function loadedEvaluators(activation: Activation): Evaluators[] {
  const evaluators = CONDITIONS.map((source) => {
    compiledEvaluator(source);
    return { source, compiled: compiledEvaluator(source), interpreted: interpretExpression(source) };
  });

  for (const { compiled, interpreted } of evaluators) {
    warmUp(compiled, activation);
    warmUp(interpreted, activation);
  }
  return evaluators;
}

const SCRIPT = {
  name: 'bench:cel',
  command: 'npm run bench:cel --',
  summary: 'Prints nanoseconds per evaluation of each condition, compiled and interpreted by cel-js, and the ratio. It takes no options and runs about 10 seconds.',
  options: {},
};


function main(): void {
  readCommandLine(SCRIPT, () => undefined);
  const activation = new Activation(exchange(), newTransactionRecord());
  const evaluators = loadedEvaluators(activation);
  let compiledTotal = 0;
  let interpretedTotal = 0;
  let lowest = { ratio: Infinity, source: '' };

  console.log('ns/eval compiled  interpreted  ratio  expression');
  for (const { source, compiled, interpreted } of evaluators) {
    const [compiledNs, interpretedNs] = fastestRounds(compiled, interpreted, activation);
    compiledTotal += compiledNs;
    interpretedTotal += interpretedNs;
    const ratio = interpretedNs / compiledNs;
    if (ratio < lowest.ratio) {
      lowest = { ratio, source };
    }
    console.log(`${compiledNs.toFixed(1).padStart(16)} ${interpretedNs.toFixed(0).padStart(12)} ${ratio.toFixed(1).padStart(6)}  ${source}`);
  }

  console.log(`all conditions: compiled ${compiledTotal.toFixed(0)} ns, interpreted ${interpretedTotal.toFixed(0)} ns, ratio ${(interpretedTotal / compiledTotal).toFixed(1)}`);
  console.log(`lowest ratio of one condition: ${lowest.ratio.toFixed(1)}, ${lowest.source}`);

  // An evaluator that does nothing, timed the same way after the others have
  // made the call site megamorphic, is the part of each figure that is the
  // loop and the call rather than the condition.
  const [floorNs] = fastestRounds(() => false, () => false, activation);
  console.log(`loop and call floor: ${floorNs.toFixed(1)} ns`);
}

main();
