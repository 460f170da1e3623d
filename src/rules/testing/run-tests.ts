// Runs the rule tests of a rule set through a real ctxproc gRPC server on a
// loopback port, driven by the Envoy-faithful client. The server uses the
// same stream handler, transaction, rule engine and event builder that
// serve Envoy, so a test cannot pass on semantics that production lacks.
// The engine runs without the global dry-run switch, because tests state
// what the rules do when they are enforced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { EnvoyClient, type ClientOptions, type HttpRequestSpec, type HttpResponseSpec } from '../../client/envoy-client.js';
import { defaultSettings } from '../../config/settings.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { Metrics } from '../../metrics/metrics.js';
import { startProcessingServer } from '../../processing-server.js';
import { TransactionState, type Transaction } from '../../session/transaction.js';
import { DebugRegistry } from '../actions/debug-registry.js';
import { LogLimiter } from '../actions/log-limiter.js';
import { RuleEngine } from '../engine.js';
import { runInSlices } from '../reload/slices.js';
import type { RuleProblem } from '../problems.js';
import type { RuleSet } from '../types.js';
import { checkExpectations, type TestFailure, type TestOutcome } from './expectations.js';
import type { RuleTest } from './test-case.js';

export interface TestResult {
  test: RuleTest;
  /** Empty when the test passed. */
  failures: TestFailure[];
}

export interface RuleTestReport {
  results: TestResult[];
  passed: number;
  failed: number;
}

export interface RuleTestOptions {
  /**
   * How long the client waits for each ext_proc reply, in milliseconds.
   * Longer than Envoy's 200 ms default, so that a loaded machine does not
   * fail a test that is correct.
   */
  messageTimeoutMs?: number;
}

const DEFAULT_MESSAGE_TIMEOUT_MS = 5000;

/** How long the runner waits for the server to end a transaction after the client is done, in milliseconds. */
const TRANSACTION_END_TIMEOUT_MS = 5000;

/** Runs every test of ruleSet, one at a time, and returns the results in file order. */
export async function runRuleTests(ruleSet: RuleSet, options: RuleTestOptions = {}): Promise<RuleTestReport> {
  if (ruleSet.tests.length === 0) {
    return { results: [], passed: 0, failed: 0 };
  }

  const ends = new TransactionEnds();
  // A limiter and debug registry of their own, so that tests neither use up
  // the rate limits of the serving process nor switch its traces on.
  // In slices: the reloader runs the tests of a new set while the active one serves.
  const engine = await runInSlices(RuleEngine.steps(ruleSet, { logLimiter: new LogLimiter(), debugRegistry: new DebugRegistry() }));
  // A Unix socket of this process's own, not 127.0.0.1:0: under `serve
  // --workers`, Node's cluster module hands every worker's first listen on
  // port 0 the same shared port, so one worker's test client would reach
  // another worker's test server.
  const socketDirectory = mkdtempSync(path.join(tmpdir(), 'ctxproc-rule-tests-'));
  const address = `unix:${path.join(socketDirectory, 'grpc.sock')}`;
  const server = await startProcessingServer({
    settings: { ...defaultSettings(), listen: address, shutdownGraceMs: 1000 },
    logger: pino({ level: 'silent' }),
    metrics: new Metrics({ processMetrics: false }),
    activeEngine: () => engine,
    eventDestination: discard(),
    onTransactionEnd: (transaction, event) => ends.add(transaction, event),
  });

  const clients = new ClientPool(address, options);
  const results: TestResult[] = [];
  try {
    for (const test of ruleSet.tests) {
      results.push(await runOne(test, clients.clientFor(test), ends));
    }
  } finally {
    clients.close();
    await server.stop();
    rmSync(socketDirectory, { recursive: true, force: true });
  }

  const failed = results.filter((result) => result.failures.length > 0).length;
  return { results, passed: results.length - failed, failed };
}

/** Turns the failures of a report into problems, the form load errors take. */
export function failuresAsProblems(report: RuleTestReport): RuleProblem[] {
  return report.results.flatMap((result) =>
    result.failures.map((failure) => ({ code: 'test_failed' as const, ...failure.position, message: `test '${result.test.name}' failed: ${failure.message}` })),
  );
}

async function runOne(test: RuleTest, client: EnvoyClient, ends: TransactionEnds): Promise<TestResult> {
  const ended = ends.next();
  const result = await client.run(requestOf(test), () => responseOf(test));

  const end = await ended.wait(TRANSACTION_END_TIMEOUT_MS);
  if (end === null) {
    return { test, failures: [{ position: test.position, message: `ctxproc did not end the transaction within ${TRANSACTION_END_TIMEOUT_MS} ms` }] };
  }
  if (result.protocolErrors.length > 0 || result.timedOut) {
    const reason = result.timedOut ? 'the ext_proc reply timed out' : result.protocolErrors.join('; ');
    return { test, failures: [{ position: test.position, message: `the transaction failed: ${reason}` }] };
  }

  const outcome: TestOutcome = { result, record: end.transaction.record, blocked: end.transaction.state === TransactionState.Blocked, event: end.event };
  return { test, failures: checkExpectations(test, outcome) };
}

/**
 * Keeps one client per distinct client configuration, because each client
 * opens its own HTTP/2 connection and most tests share the defaults.
 */
class ClientPool {
  readonly #target: string;
  readonly #options: RuleTestOptions;
  readonly #clients = new Map<string, EnvoyClient>();

  constructor(target: string, options: RuleTestOptions) {
    this.#target = target;
    this.#options = options;
  }

  clientFor(test: RuleTest): EnvoyClient {
    const options = clientOptions(test, this.#target, this.#options);
    const key = JSON.stringify(options);
    let client = this.#clients.get(key);
    if (client === undefined) {
      client = new EnvoyClient(options);
      this.#clients.set(key, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.#clients.values()) {
      client.close();
    }
  }
}

function clientOptions(test: RuleTest, target: string, options: RuleTestOptions): ClientOptions {
  const source = test.request.source;
  const address = source.address.includes(':') ? `[${source.address}]:${source.port}` : `${source.address}:${source.port}`;

  return {
    target,
    messageTimeoutMs: options.messageTimeoutMs ?? DEFAULT_MESSAGE_TIMEOUT_MS,
    // Headers in both directions as Envoy's defaults send them, and a body
    // only when the test has one, in the mode that hands rules the whole body.
    processingMode: {
      request_body_mode: test.request.body === null ? 'NONE' : 'BUFFERED',
      response_body_mode: test.response?.body == null ? 'NONE' : 'BUFFERED',
    },
    requestAttributes: { 'source.address': address, 'source.port': source.port },
  };
}

function requestOf(test: RuleTest): HttpRequestSpec {
  const request = test.request;
  const spec: HttpRequestSpec = {
    method: request.method,
    path: request.path,
    scheme: request.scheme,
    authority: request.host,
    headers: request.headers.map(([name, value]) => [name, value]),
  };
  if (request.body !== null) {
    spec.body = Buffer.from(request.body, 'utf8');
  }
  return spec;
}

function responseOf(test: RuleTest): HttpResponseSpec {
  const response = test.response;
  const spec: HttpResponseSpec = { status: response?.status ?? 200, headers: response?.headers.map(([name, value]) => [name, value]) ?? [] };
  if (response?.body != null) {
    spec.body = Buffer.from(response.body, 'utf8');
  }
  return spec;
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

interface TransactionEnd {
  transaction: Transaction;
  event: SecurityEvent | null;
}

/**
 * Hands the server's ended transactions to the test waiting for them. Tests
 * run one at a time, so the next transaction to end belongs to the test
 * that is running.
 */
class TransactionEnds {
  #waiting: ((end: TransactionEnd) => void) | null = null;

  add(transaction: Transaction, event: SecurityEvent | null): void {
    this.#waiting?.({ transaction, event });
    this.#waiting = null;
  }

  next(): { wait(timeoutMs: number): Promise<TransactionEnd | null> } {
    const ended = new Promise<TransactionEnd>((resolve) => {
      this.#waiting = resolve;
    });

    return {
      wait: async (timeoutMs) => {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), timeoutMs);
        });
        const end = await Promise.race([ended, expired]);
        clearTimeout(timer);
        return end;
      },
    };
  }
}
