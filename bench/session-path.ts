// Measures ctxproc's own work per transaction without the network: decode
// each message, run the Transaction and its rules, encode the replies,
// finish. It runs in one process, so it is far less noisy than the load
// benchmark on a shared machine, and shows what a change in src/session,
// src/protocol or src/rules does to that share of the cost.
//
// Usage: node dist/bench/session-path.js [RULES] [TRANSACTIONS]
// RULES is a rules file or directory (default: rules/), TRANSACTIONS the
// count per measured round (default 50,000). Pin it to one core with
// taskset for steadier figures.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTransactions } from './driver/traffic.js';
import { decodeSessionRequest } from '../src/protocol/request-decoder.js';
import { RuleEngine } from '../src/rules/engine.js';
import { loadRuleSet } from '../src/rules/load.js';
import { Transaction } from '../src/session/transaction.js';

const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUNDS = 3;

function main(): void {
  const rules = process.argv[2] ?? path.join(REPOSITORY_ROOT, 'rules');
  const count = Number(process.argv[3] ?? 50_000);
  const ruleSet = loadRuleSet(rules);
  const engine = new RuleEngine(ruleSet);
  const options = { bodyLimitBytes: 65_536, rulesVersion: ruleSet.version };
  // The messages without their 5-byte gRPC prefix, as the handler gets them.
  const transactions = buildTransactions('headers').map((transaction) => transaction.messages.map((framed) => framed.subarray(5)));

  const run = (total: number): void => {
    for (let index = 0; index < total; index += 1) {
      const transaction = new Transaction(engine.start(), options);
      for (const message of transactions[index % transactions.length]!) {
        transaction.receive(decodeSessionRequest(message));
      }
      transaction.finish();
    }
  };

  // Warm-up, so V8 has optimised the path before it is measured.
  run(Math.min(count, 20_000));
  for (let round = 0; round < ROUNDS; round += 1) {
    const before = process.cpuUsage();
    run(count);
    const used = process.cpuUsage(before);
    process.stdout.write(`round ${round + 1}: ${((used.user + used.system) / count).toFixed(2)} µs of CPU per transaction (${ruleSet.rules.length} rules)\n`);
  }
}

main();
