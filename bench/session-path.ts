// Measures ctxproc's own work per transaction without the network: decode
// each message, run the Transaction and its rules, encode the replies,
// finish. It runs in one process, so it is far less noisy than the load
// benchmark on a shared machine, and shows what a change in src/session,
// src/protocol or src/rules does to that share of the cost.
//
// Usage: node dist/bench/session-path.js [--scenario NAME] [--rules PATH] [--count N] [--in-flight N] [--no-index] [--events] [--content-encoding CODING]
// --scenario takes the rules and traffic of a load-benchmark scenario:
// headers_default (the default), rules_10, rules_100, rules_1000 or
// body_16k. --rules replaces its rules with a file or directory.
// --count is the number of transactions per measured round (default 50,000).
// --in-flight N keeps N transactions open at once and moves them one
// message at a time in turn, as the load benchmark's 64 streams do (default
// 1: each transaction runs to its end before the next). Objects a
// transaction keeps then live across young-generation collections, whose
// copying is a large share of the server's cost under load.
// --no-index evaluates every rule of a phase, as the engine did before the
// rule index, for a comparison in one build.
// --events also builds the security event of each logged transaction and
// writes it through the stdout sink to /dev/null, as the service does. The
// sink's writes then complete between rounds, not between transactions.
// --content-encoding sends the bodies of body_16k compressed, so that
// rules that read the body pay for decoding it.
// Pin it to one core with taskset for steadier figures, and add --cpu-prof
// before the script to see where the time goes.
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BODY_CODINGS, buildTransactions, type BodyCoding } from './driver/traffic.js';
import { writeRuleSet } from './rule-sets.js';
import { readCommandLine, type OptionSpec, type ScriptSpec } from './lib/options.js';
import { SCENARIOS } from './scenarios.js';
import { decodeSessionRequest } from '../src/protocol/request-decoder.js';
import { RuleEngine } from '../src/rules/engine.js';
import { loadRuleSet } from '../src/rules/load.js';
import { Transaction } from '../src/session/transaction.js';
import { buildSecurityEvent } from '../src/events/builder.js';
import { Metrics } from '../src/metrics/metrics.js';
import { defaultSinksConfig } from '../src/sinks/config.js';
import { SinkSet } from '../src/sinks/sink-set.js';
import pino from 'pino';

const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUNDS = 3;

const CTXPROC_SCENARIOS = SCENARIOS.filter((scenario) => scenario.server === 'ctxproc');

const SCRIPT = {
  name: 'session-path',
  command: 'node dist/bench/session-path.js',
  summary: 'Measures ctxproc\'s own work per transaction without the network: decode, run the Transaction and its rules, encode the replies.',
  options: {
    scenario: { type: 'string', default: 'headers_default', value: 'NAME', help: `load-benchmark scenario whose rules and traffic are used: ${CTXPROC_SCENARIOS.map((scenario) => scenario.name).join(', ')}` },
    rules: { type: 'string', value: 'PATH', help: 'rule file or folder that replaces the scenario\'s rules (default: the scenario\'s)' },
    count: { type: 'string', default: '50000', value: 'N', help: 'transactions per measured round, 1 or more' },
    'in-flight': { type: 'string', default: '1', value: 'N', help: 'transactions kept open at once and moved one message at a time in turn, 1 to --count' },
    'no-index': { type: 'boolean', help: 'evaluates every rule of a phase instead of those the rule index returns' },
    events: { type: 'boolean', help: 'also builds the security event of each logged transaction and writes it to /dev/null' },
    'content-encoding': { type: 'string', value: 'CODING', help: `content coding of the request bodies of a body scenario: ${BODY_CODINGS.join(', ')} (default: plain bodies)` },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

async function main(): Promise<void> {
  const values = readCommandLine(SCRIPT, (commandLine) => {
    const count = commandLine.wholeNumber('count', { min: 1 });
    return {
      ...commandLine.values,
      scenario: commandLine.choice('scenario', CTXPROC_SCENARIOS.map((scenario) => scenario.name)),
      rules: commandLine.existingPath('rules'),
      count,
      inFlight: commandLine.wholeNumber('in-flight', { min: 1, max: count, reason: 'no more transactions can be open than a round has' }),
      coding: commandLine.values['content-encoding'] === undefined ? null : commandLine.choice('content-encoding', BODY_CODINGS),
    };
  });
  const scenario = CTXPROC_SCENARIOS.find((candidate) => candidate.name === values.scenario)!;
  const { count, inFlight } = values;

  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-session-path-'));
  try {
    const rules = values.rules ?? writeRuleSet(workDirectory, REPOSITORY_ROOT, scenario.rules ?? { generated: 0 });
    const name = values.coding === null ? scenario.name : `${scenario.name} ${values.coding}`;
    await measure(name, rules, scenario.shape, { count, inFlight, indexed: !values['no-index'], events: values.events, coding: values.coding });
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

interface MeasureOptions {
  coding: BodyCoding | null;
  count: number;
  inFlight: number;
  indexed: boolean;
  events: boolean;
}

async function measure(name: string, rules: string, shape: Parameters<typeof buildTransactions>[0], { coding, count, inFlight, indexed, events }: MeasureOptions): Promise<void> {
  const ruleSet = loadRuleSet(rules);
  const engine = new RuleEngine(ruleSet, { indexed });
  const options = { bodyLimitBytes: 65_536, rulesVersion: ruleSet.version };
  // The messages without their 5-byte gRPC prefix, each copied into new
  // memory as the handler gets them. The http2 transport joins the DATA
  // frames of a message larger than one frame into a new Buffer.
  const transactions = buildTransactions(shape, coding).map((transaction) => transaction.messages.map((framed) => Buffer.from(framed.subarray(5))));

  const emit = events ? eventWriter() : null;
  let logged = 0;
  const end = (transaction: Transaction): void => {
    transaction.finish();
    if (emit !== null && transaction.record.log) {
      emit(transaction);
      logged += 1;
    }
  };
  const run = inFlight === 1
    ? (total: number): void => {
      for (let index = 0; index < total; index += 1) {
        const transaction = new Transaction(engine.start(), options);
        for (const message of transactions[index % transactions.length]!) {
          transaction.receive(decodeSessionRequest(message));
        }
        end(transaction);
      }
    }
    : (total: number): void => runInterleaved(total, inFlight, transactions, () => new Transaction(engine.start(), options), end);

  // Warm-up, so V8 has optimised the path before it is measured.
  run(Math.min(count, 20_000));
  for (let round = 0; round < ROUNDS; round += 1) {
    logged = 0;
    const before = process.cpuUsage();
    run(count);
    const used = process.cpuUsage(before);
    const eventNote = emit === null ? '' : `, ${logged} events`;
    process.stdout.write(`${name} round ${round + 1}: ${((used.user + used.system) / count).toFixed(2)} µs of CPU per transaction (${ruleSet.rules.length} rules${indexed ? '' : ', no index'}${eventNote})\n`);
    // Lets the sink's pending write finish, as it would between transactions under load.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Runs total transactions with inFlight of them open at once. Each turn
 * passes the next message to one open transaction, in turn, and a
 * transaction that has had all its messages ends and makes room for the next.
 */
function runInterleaved(total: number, inFlight: number, messages: Buffer[][], start: () => Transaction, end: (transaction: Transaction) => void): void {
  const open: Array<{ transaction: Transaction; variant: number; next: number } | null> = new Array(inFlight).fill(null);
  let started = 0;
  let ended = 0;

  for (let slot = 0; ended < total; slot = (slot + 1) % inFlight) {
    let entry = open[slot];
    if (entry === null || entry === undefined) {
      if (started === total) {
        continue;
      }
      entry = { transaction: start(), variant: started % messages.length, next: 0 };
      open[slot] = entry;
      started += 1;
    }

    const sequence = messages[entry.variant]!;
    entry.transaction.receive(decodeSessionRequest(sequence[entry.next]!));
    entry.next += 1;
    if (entry.next === sequence.length) {
      end(entry.transaction);
      open[slot] = null;
      ended += 1;
    }
  }
}

/** Returns a function that builds a transaction's event and hands it to a stdout sink writing to /dev/null. */
function eventWriter(): (transaction: Transaction) => void {
  const metrics = new Metrics({ processMetrics: false });
  const sinks = new SinkSet({ config: defaultSinksConfig(), metrics, logger: pino({ level: 'silent' }), stdout: openSync('/dev/null', 'w') });
  return (transaction) => {
    const event = buildSecurityEvent(transaction.exchange, transaction.record, {
      rulesVersion: transaction.rulesVersion,
      outcome: { blocked: false, streamEnd: 'completed' },
      notes: transaction.notes,
    });
    sinks.deliver(event, [], true);
  };
}

await main();
