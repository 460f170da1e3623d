// The rule index must change no decision. Random rule sets and random
// transactions run through an indexed and an unindexed engine side by side.
// The two records must be equal after every phase call, rule errors,
// skipped actions and debug traces included. A seeded generator makes a
// failure reproducible from the seed in its message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase } from '../../../src/model/phase.js';
import { newTransactionRecord, type TransactionRecord } from '../../../src/model/record.js';
import type { Exchange, HeaderList } from '../../../src/model/exchange.js';
import { DebugRegistry } from '../../../src/rules/actions/debug-registry.js';
import { LogLimiter } from '../../../src/rules/actions/log-limiter.js';
import { RuleEngine } from '../../../src/rules/engine.js';
import { loadRuleSet } from '../../../src/rules/load.js';
import { makeExchange, writeRuleFile } from '../builders.js';

/** Mulberry32: a small seeded generator, so a failing case can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A condition fragment and whether it reads only request-header attributes. */
interface Atom {
  cel: string;
  requestHeaders: boolean;
}

const header = (cel: string): Atom => ({ cel, requestHeaders: true });
const later = (cel: string): Atom => ({ cel, requestHeaders: false });

const ATOMS: readonly Atom[] = [
  header("request.method == 'GET'"),
  header("request.method == 'DELETE'"),
  header("'POST' == request.method"),
  header("request.method in ['GET', 'HEAD']"),
  header("request.url_path.startsWith('/api/v1/')"),
  header("request.url_path.startsWith('/api/')"),
  header("request.url_path.startsWith('/admin/')"),
  header("request.url_path == '/login'"),
  header("request.path.startsWith('/static')"),
  header("request.host == 'shop.example'"),
  header("request.host == 'api.example'"),
  header("'x-tenant-id' in request.headers"),
  header("request.headers['x-tenant-id'] == 'tenant-1'"),
  header("request.headers['x-tenant-id'].startsWith('tenant-')"),
  header("request.headers['x-flag'] == 'on' || request.headers['x-flag'] == 'yes'"),
  header("request.useragent.matches('^scanner-[0-9]+/')"),
  header("request.useragent.matches('^curl/8\\\\.')"),
  header("request.useragent.matches('bot')"),
  header("source.address.startsWith('10.1.')"),
  header("source.address == '198.51.100.7'"),
  header("request.method == 'GET' || request.url_path.startsWith('/a')"),
  header("!('x-request-id' in request.headers)"),
  header("request.headers['x-missing'] == 'a'"),
  header("'bench-r1' in ctxproc.matched"),
  header("ctxproc.tags['zone'] == 'a'"),
  header("'zone' in ctxproc.tags"),
  header("size(b'ab') == 2"),
  header('true'),
  header('false'),
  later('response.code >= 500'),
  later('response.code == 404'),
  later("response.headers['content-type'].startsWith('application/json')"),
  later("'x-cache' in response.headers"),
  later('!has(response.code)'),
  later("request.body.contains('admin')"),
  later("request.headers['content-type'] == 'application/json' && request.body.contains('x')"),
];

const TAG_ACTIONS = ['tag: { zone: a }', 'tag: { zone: b }', 'tag: { kind: k1 }', 'log: {}', "log: { message: 'matched' }"];

/** Actions that must be sent by the request phases, so only rules that read request headers take them. */
const REQUEST_ACTIONS = ['block: { status: 403 }', 'set_header: { to: upstream, name: x-seen, value: "\'yes\'" }', 'debug: { for: 10m, key: "request.headers[\'x-session\']" }'];

function randomCondition(random: Random): { cel: string | undefined; requestHeaders: boolean } {
  if (random() < 0.08) {
    return { cel: undefined, requestHeaders: true };
  }

  const count = 1 + Math.floor(random() * 3);
  const atoms = Array.from({ length: count }, () => pick(random, ATOMS));
  const joiner = random() < 0.8 ? ' && ' : ' || ';
  let cel = atoms.map((atom) => `(${atom.cel})`).join(joiner);
  if (random() < 0.1) {
    cel = `!(${cel})`;
  }
  return { cel, requestHeaders: atoms.every((atom) => atom.requestHeaders) };
}

function randomRules(random: Random, count: number): string {
  let yaml = '';
  for (let index = 0; index < count; index += 1) {
    const { cel, requestHeaders } = randomCondition(random);
    const actionChoices = requestHeaders && random() < 0.3 ? REQUEST_ACTIONS : TAG_ACTIONS;
    const mode = random() < 0.1 ? '    mode: simulate\n' : '';
    const when = cel === undefined ? '' : `    when: ${JSON.stringify(cel)}\n`;
    yaml += `  - id: bench-r${index}\n    description: Random rule ${index}.\n${mode}${when}    actions:\n      - ${pick(random, actionChoices)}\n`;
  }
  return yaml;
}

interface RandomTransaction {
  request: { method: string; path: string; host: string; headers: HeaderList; body?: string };
  response: { code: number; headers: HeaderList } | null;
  source: string;
  /** How the transaction goes: all phases, no body phase, or an end after the request headers. */
  course: 'full' | 'no_body_phase' | 'ends_early';
  /** Drop a block and go on, as the session does in observability mode. */
  dropBlocks: boolean;
}

function maybe(random: Random, name: string, values: readonly string[], headers: HeaderList): void {
  if (random() < 0.5) {
    headers.push([name, pick(random, values)]);
  }
}

function randomTransaction(random: Random): RandomTransaction {
  const headers: HeaderList = [];
  maybe(random, 'x-tenant-id', ['tenant-1', 'tenant-2', 'other'], headers);
  maybe(random, 'x-flag', ['on', 'yes', 'no'], headers);
  maybe(random, 'user-agent', ['scanner-12/1.0', 'curl/8.5.0', 'curl/7.1', 'googlebot', 'Mozilla/5.0'], headers);
  maybe(random, 'x-request-id', ['id-1'], headers);
  maybe(random, 'x-session', ['s1', 's2'], headers);
  maybe(random, 'content-type', ['application/json', 'text/plain'], headers);

  const response = random() < 0.8
    ? { code: pick(random, [200, 201, 404, 500, 503]), headers: random() < 0.5 ? [['content-type', 'application/json'], ['x-cache', 'hit']] as HeaderList : [] }
    : null;
  return {
    request: {
      method: pick(random, ['GET', 'POST', 'DELETE', 'HEAD', 'PUT']),
      path: pick(random, ['/api/v1/orders?id=1', '/api/v2/items', '/admin/users', '/login', '/static/app.js', '/a', '/']),
      host: pick(random, ['shop.example', 'api.example']),
      headers,
      ...(random() < 0.5 ? { body: pick(random, ['{"role":"admin"}', 'x=1', '']) } : {}),
    },
    response,
    source: pick(random, ['198.51.100.7', '10.1.2.3', '10.2.0.1']),
    course: pick(random, ['full', 'full', 'no_body_phase', 'ends_early']),
    dropBlocks: random() < 0.3,
  };
}

/** Builds the exchange as the session has filled it by each phase. */
function snapshots(transaction: RandomTransaction): { headers: Exchange; body: Exchange; response: Exchange } {
  const source = { source: { address: transaction.source, port: 40000 } };
  const { body, ...withoutBody } = transaction.request;
  return {
    headers: makeExchange(withoutBody, null, source),
    body: makeExchange(transaction.request, null, source),
    response: makeExchange(body === undefined || transaction.course === 'no_body_phase' ? withoutBody : transaction.request, transaction.response, source),
  };
}

/** Returns the record with trace timings zeroed, since those differ between any two runs. */
function comparable(record: TransactionRecord): TransactionRecord {
  return { ...record, trace: record.trace?.map((entry) => ({ ...entry, micros: 0 })) ?? null };
}

/** One engine under test: the engine and the record of its current transaction. */
interface Side {
  engine: RuleEngine;
  record: TransactionRecord;
}

function playTransaction(sides: readonly Side[], transaction: RandomTransaction, context: string): void {
  const runs = sides.map((side) => {
    side.record = newTransactionRecord();
    return side.engine.start();
  });
  const exchanges = snapshots(transaction);

  const step = (name: string, act: (run: (typeof runs)[number], record: TransactionRecord) => void): void => {
    sides.forEach((side, index) => {
      act(runs[index]!, side.record);
      if (transaction.dropBlocks) {
        side.record.block = null;
      }
    });
    assert.deepEqual(comparable(sides[0]!.record), comparable(sides[1]!.record), `${context}, after ${name}`);
  };

  step('request headers', (run, record) => run.runPhase(Phase.RequestHeaders, exchanges.headers, record));
  const needs = sides.map((side, index) => runs[index]!.bodyNeeds(exchanges.headers, side.record));
  assert.deepEqual(needs[0], needs[1], `${context}, body needs`);

  if (transaction.course !== 'ends_early') {
    if (transaction.course === 'full' && transaction.request.body !== undefined) {
      step('request body', (run, record) => run.runPhase(Phase.RequestBody, exchanges.body, record));
    }
    if (transaction.response !== null) {
      step('response headers', (run, record) => run.runPhase(Phase.ResponseHeaders, exchanges.response, record));
    }
  }
  step('finish', (run, record) => run.finish(exchanges.response, record));
}

const RULE_SETS = 60;
const TRANSACTIONS_PER_SET = 40;
const RULES_PER_SET = 30;

test('indexed and unindexed engines decide alike', () => {
  let indexedRules = 0;
  for (let set = 0; set < RULE_SETS; set += 1) {
    const seed = 0x5eed0000 + set;
    const random = generator(seed);
    const ruleSet = loadRuleSet(writeRuleFile(randomRules(random, RULES_PER_SET)));
    const options = (): { logLimiter: LogLimiter; debugRegistry: DebugRegistry } => ({ logLimiter: new LogLimiter({ random: () => 0 }), debugRegistry: new DebugRegistry() });
    const indexed = new RuleEngine(ruleSet, { ...options(), indexed: true });
    const sides: Side[] = [
      { engine: indexed, record: newTransactionRecord() },
      { engine: new RuleEngine(ruleSet, { ...options(), indexed: false }), record: newTransactionRecord() },
    ];
    indexedRules += indexed.indexSummary().indexed;

    for (let index = 0; index < TRANSACTIONS_PER_SET; index += 1) {
      playTransaction(sides, randomTransaction(random), `seed ${seed.toString(16)}, transaction ${index}`);
    }
  }

  // Without indexed rules the comparison would prove nothing.
  assert.ok(indexedRules > RULE_SETS * RULES_PER_SET * 0.3, `only ${indexedRules} rules were indexed`);
});
