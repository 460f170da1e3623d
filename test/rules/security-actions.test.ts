// The security context actions beyond log, tag and the header basics, run
// through the engine against hand-built exchanges: rule modes and dry-run,
// set_field, append_header, set_metadata, gRPC blocks, debug traces, log
// sampling and rate limits, log_payload, and redact modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Exchange } from '../../src/model/exchange.js';
import { Phase } from '../../src/model/phase.js';
import { newTransactionRecord, type TransactionRecord } from '../../src/model/record.js';
import { DebugRegistry } from '../../src/rules/actions/debug-registry.js';
import { LogLimiter } from '../../src/rules/actions/log-limiter.js';
import { RuleEngine, type EngineOptions } from '../../src/rules/engine.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { RuleLoadError } from '../../src/rules/problems.js';
import { makeExchange, temporaryDirectory, writeRuleFile } from './builders.js';

function engineFor(rules: string, options: EngineOptions = {}): RuleEngine {
  return new RuleEngine(loadRuleSet(writeRuleFile(rules)), { logLimiter: new LogLimiter(), debugRegistry: new DebugRegistry(), ...options });
}

/** Runs every phase up to `through`, then finish, on a fresh record. */
function runOn(engine: RuleEngine, exchange: Exchange, through: Phase = Phase.ResponseTrailers): TransactionRecord {
  const record = newTransactionRecord();
  const transaction = engine.start();
  for (let phase = Phase.RequestHeaders; phase <= through; phase++) {
    transaction.runPhase(phase, exchange, record);
  }
  transaction.finish(exchange, record);
  return record;
}

function rule(id: string, actions: string[], when?: string, mode?: string): string {
  const condition = when === undefined ? '' : `    when: ${JSON.stringify(when)}\n`;
  const modeLine = mode === undefined ? '' : `    mode: ${mode}\n`;
  return `  - id: ${id}\n    description: Test rule ${id}.\n${condition}${modeLine}    actions:\n${actions.map((action) => `      - ${action}\n`).join('')}`;
}

/** Returns the problems of loading rules, or fails when they load. */
function loadProblems(rules: string): Array<{ code: string; message: string }> {
  try {
    loadRuleSet(writeRuleFile(rules));
  } catch (error) {
    assert.ok(error instanceof RuleLoadError, `expected a RuleLoadError, got ${String(error)}`);
    return error.problems.map(({ code, message }) => ({ code, message }));
  }
  assert.fail('the rules loaded, but a problem was expected');
}

const GET = makeExchange({ method: 'GET', path: '/admin/users?id=7', headers: [['user-agent', 'curl/8'], ['x-session', 'dbg-42']] }, { code: 200 });
const KEY = 'k'.repeat(40);

test('simulate lists block and header changes', () => {
  const engine = engineFor(rule('would-block', [
    'set_header: { to: upstream, name: x-threat, value: "\'admin\'" }',
    'remove_header: { to: downstream, name: server }',
    'block: { status: 429 }',
    'tag: { area: admin }',
  ], "request.url_path.startsWith('/admin')", 'simulate'));
  const record = runOn(engine, GET);

  assert.equal(record.block, null);
  assert.deepEqual(record.pendingHeaders, { upstream: [], downstream: [] });
  assert.deepEqual(record.simulated, [
    { rule: 'would-block', action: 'set_header', detail: 'set upstream header x-threat' },
    { rule: 'would-block', action: 'remove_header', detail: 'remove downstream header server' },
    { rule: 'would-block', action: 'block', detail: 'block with status 429' },
  ]);
  assert.deepEqual(record.tags, { area: 'admin' });
  assert.notEqual(record.log, null, 'a simulated block must produce an event');
});

test('a simulated header change alone writes no event', () => {
  const engine = engineFor(rule('would-tag-upstream', ['set_header: { to: upstream, name: x-seen, value: "\'yes\'" }'], undefined, 'simulate'));
  const record = runOn(engine, GET);

  assert.deepEqual(record.simulated.map((entry) => entry.action), ['set_header']);
  assert.equal(record.log, null);
});

test('simulated block lets later rules run', () => {
  const engine = engineFor(rule('would-block', ['block: {}'], undefined, 'simulate') + rule('after', ['tag: { seen: yes }']));
  const record = runOn(engine, GET, Phase.RequestHeaders);

  assert.deepEqual(record.matched, ['would-block', 'after']);
  assert.deepEqual(record.tags, { seen: 'yes' });
});

test('dry-run makes enforce rules simulate', () => {
  const rules = rule('enforced', ['block: { status: 403 }', 'set_metadata: { key: verdict, value: deny }']);
  const dry = runOn(engineFor(rules, { dryRun: true }), GET);
  const live = runOn(engineFor(rules), GET, Phase.RequestHeaders);

  assert.equal(dry.block, null);
  assert.deepEqual(dry.metadata, {});
  assert.deepEqual(dry.simulated.map((entry) => entry.action), ['block', 'set_metadata']);
  assert.equal(live.block?.status, 403);
  assert.deepEqual(live.metadata, { verdict: 'deny' });
});

test('unknown rule mode is rejected', () => {
  const problems = loadProblems(rule('odd', ['tag: { a: b }'], undefined, 'observe'));
  assert.equal(problems[0]?.code, 'schema');
});

test('set_field static and expression', () => {
  const engine = engineFor(rule('fields', [
    'set_field: { name: team, value: payments }',
    'set_field: { name: limit, value: 5 }',
    'set_field: { name: session, expression: "request.headers[\'x-session\']" }',
  ]));
  const record = runOn(engine, GET);

  assert.deepEqual(record.fields, { team: 'payments', limit: 5, session: 'dbg-42' });
  assert.deepEqual(record.fieldHeaders.session, ['x-session']);
  assert.equal(record.log, null, 'set_field alone requests no event');
});

test('set_field needs exactly one value', () => {
  const both = loadProblems(rule('both', ['set_field: { name: a, value: x, expression: "\'y\'" }']));
  const neither = loadProblems(rule('neither', ['set_field: { name: a }']));

  assert.equal(both[0]?.code, 'invalid_argument');
  assert.match(both[0]?.message ?? '', /exactly one of value \(static\) and expression \(CEL\)/);
  assert.equal(neither[0]?.code, 'invalid_argument');
});

test('append_header keeps existing values', () => {
  const engine = engineFor(rule('via', ['append_header: { to: downstream, name: via, value: "\'ctxproc\'" }']));
  const record = runOn(engine, GET, Phase.ResponseHeaders);

  assert.deepEqual(record.pendingHeaders.downstream, [{ op: 'append', name: 'via', value: 'ctxproc', rule: 'via' }]);
});

test('append_header upstream in a response rule is rejected', () => {
  const problems = loadProblems(rule('late', ['append_header: { to: upstream, name: x-a, value: "\'b\'" }'], 'response.code == 200'));
  assert.equal(problems[0]?.code, 'phase_conflict');
});

test('set_metadata static and expression', () => {
  const engine = engineFor(rule('meta', [
    'set_metadata: { key: threat, value: recon }',
    'set_metadata: { key: admin, expression: "request.url_path.startsWith(\'/admin\')" }',
    'set_metadata: { key: code, expression: response.code }',
  ], 'has(response.code)'));
  const record = runOn(engine, GET);

  assert.deepEqual(record.metadata, { threat: 'recon', admin: true, code: 200 });
});

test('set_metadata rejects reserved keys', () => {
  const problems = loadProblems(rule('meta', ['set_metadata: { key: action, value: x }']));
  assert.equal(problems[0]?.code, 'invalid_argument');
  assert.match(problems[0]?.message ?? '', /written by ctxproc itself/);
});

test('set_metadata rejects a map value', () => {
  const record = runOn(engineFor(rule('meta', ['set_metadata: { key: info, expression: "{\'a\': 1}" }'])), GET);

  assert.deepEqual(record.metadata, {});
  assert.match(record.ruleErrors[0]?.message ?? '', /list or map/);
});

test('block sends gRPC status to gRPC clients', () => {
  const engine = engineFor(rule('deny', ['block: { status: 403, body: "no access" }']));
  const grpc = makeExchange({ method: 'POST', path: '/shop.Cart/Add', headers: [['content-type', 'application/grpc+proto']] });
  const record = runOn(engine, grpc, Phase.RequestHeaders);

  assert.equal(record.block?.status, 200);
  assert.equal(record.block?.grpcStatus, 7);
  assert.equal(record.block?.body, '');
  assert.deepEqual(record.block?.headers, [['content-type', 'application/grpc'], ['grpc-status', '7'], ['grpc-message', 'no access']]);
});

test('block keeps HTTP for other clients', () => {
  const engine = engineFor(rule('deny', ['block: { status: 403, body: "no access", grpc_status: 16 }']));
  const record = runOn(engine, GET, Phase.RequestHeaders);

  assert.equal(record.block?.status, 403);
  assert.equal(record.block?.grpcStatus, undefined);
  assert.equal(record.block?.body, 'no access');
});

test('block gRPC status and message', () => {
  const engine = engineFor(rule('limit', ['block: { status: 429, grpc_message: "slow down: 100%" }']) + rule('explicit', ['block: { grpc_status: 16 }'], 'false'));
  const grpc = makeExchange({ method: 'POST', path: '/a.B/C', headers: [['content-type', 'application/grpc']] });
  const record = runOn(engine, grpc, Phase.RequestHeaders);

  assert.equal(record.block?.grpcStatus, 14, '429 maps to UNAVAILABLE');
  assert.deepEqual(record.block?.headers[2], ['grpc-message', 'slow down: 100%25']);
});

test('debug traces matching keys for a while', () => {
  let now = 1_000_000;
  const registry = new DebugRegistry(16, () => now);
  const engine = engineFor(
    rule('switch-on', ['debug: { for: 10m, key: "request.headers[\'x-session\']" }'], "request.headers['user-agent'] == 'curl/8'") + rule('other', ['tag: { a: b }'], 'false'),
    { debugRegistry: registry },
  );
  const first = runOn(engine, GET);
  const later = makeExchange({ method: 'GET', path: '/', headers: [['user-agent', 'firefox'], ['x-session', 'dbg-42']] });
  const unrelated = makeExchange({ method: 'GET', path: '/', headers: [['user-agent', 'firefox'], ['x-session', 'other']] });

  assert.deepEqual(first.trace?.map((entry) => [entry.rule, entry.result]), [['switch-on', 'matched'], ['other', 'not_matched']], 'the switching transaction is traced from the debug rule on');
  assert.notEqual(first.log, null);

  const traced = runOn(engine, later);
  assert.deepEqual(traced.trace?.map((entry) => [entry.rule, entry.phase, entry.result]), [['switch-on', 'request_headers', 'not_matched'], ['other', 'request_headers', 'not_matched']]);
  assert.ok(traced.trace?.every((entry) => Number.isInteger(entry.micros) && entry.micros >= 0));

  assert.equal(runOn(engine, unrelated).trace, null);

  now += 10 * 60_000;
  assert.equal(runOn(engine, later).trace, null, 'tracing must stop once the period has passed');
});

test('debug trace records rule errors', () => {
  const registry = new DebugRegistry();
  registry.enable('source.address', '198.51.100.7', 60_000);
  const engine = engineFor(rule('on', ['debug: { for: 1m, key: source.address }'], 'false') + rule('broken', ['tag: { a: b }'], "request.headers['absent'] == 'x'"), { debugRegistry: registry });
  const record = runOn(engine, GET);

  assert.deepEqual(record.trace?.map((entry) => entry.result), ['not_matched', 'error']);
});

test('debug registry drops the oldest key', () => {
  const registry = new DebugRegistry(2);
  registry.enable('k', 'a', 60_000);
  registry.enable('k', 'b', 60_000);
  registry.enable('k', 'c', 60_000);

  assert.equal(registry.size, 2);
  assert.equal(registry.isEnabled('k', 'a'), false);
  assert.equal(registry.isEnabled('k', 'c'), true);
});

test('debug rejects late keys and bad durations', () => {
  const late = loadProblems(rule('late', ['debug: { for: 10m, key: "string(response.code)" }']));
  const long = loadProblems(rule('long', ['debug: { for: 25h, key: source.address }']));
  const malformed = loadProblems(rule('malformed', ['debug: { for: 10 minutes, key: source.address }']));

  assert.equal(late[0]?.code, 'invalid_argument');
  assert.match(late[0]?.message ?? '', /known only later/);
  assert.equal(long[0]?.code, 'invalid_argument');
  assert.equal(malformed[0]?.code, 'schema');
});

test('sample 0 holds every event back', () => {
  const limiter = new LogLimiter({ random: () => 0.5 });
  const engine = engineFor(rule('noisy', ['log: { message: hit, sample: 0.25 }']) + rule('kept', ['log: { message: kept, sample: 0.75 }']), { logLimiter: limiter });
  const first = runOn(engine, GET);
  const second = runOn(engine, GET);

  assert.deepEqual(first.log?.rules, ['kept']);
  assert.deepEqual(second.log?.rules, ['kept']);
});

test('rate_limit counts held-back events per key', () => {
  let now = 0;
  const limiter = new LogLimiter({ now: () => now });
  const engine = engineFor(rule('login', ['log: { message: login, rate_limit: { events: 2, per: 1m, key: source.address } }']), { logLimiter: limiter });
  const fromA = GET;
  const fromB = makeExchange({ method: 'GET', path: '/' }, null, { source: { address: '192.0.2.1', port: 1 } });

  const admitted = [runOn(engine, fromA), runOn(engine, fromA), runOn(engine, fromA), runOn(engine, fromA), runOn(engine, fromB)].map((record) => record.log !== null);
  assert.deepEqual(admitted, [true, true, false, false, true]);

  now += 60_000;
  const next = runOn(engine, fromA);
  assert.deepEqual(next.log?.suppressed, [{ rule: 'login', key: '198.51.100.7', count: 2 }]);
  assert.deepEqual(runOn(engine, fromA).log?.suppressed, [], 'the count is reported once');
});

test('rate_limit rejects short windows', () => {
  const problems = loadProblems(rule('fast', ['log: { rate_limit: { events: 1, per: 10ms } }']));
  assert.equal(problems[0]?.code, 'invalid_argument');
  assert.match(problems[0]?.message ?? '', /from 1s to 24h/);
});

test('log_payload attaches detections', () => {
  const engine = engineFor(rule('attach', ['log_payload: { max_bytes: 64, classes: [sqli] }']));
  const record = newTransactionRecord();
  record.detections.push(
    { class: 'sqli', detector: 'sqli.tokens', location: 'query.id', matched: "1' OR '1'='1" },
    { class: 'xss', detector: 'xss.tags', location: 'query.q', matched: '<script>' },
    { class: 'sqli', detector: 'sqli.tokens', location: 'query.id', matched: "1' OR '1'='1" },
  );
  const run = engine.start();
  run.runPhase(Phase.RequestHeaders, GET, record);
  assert.deepEqual(record.payloads, [], 'detections need the request body phase');
  run.runPhase(Phase.RequestBody, GET, record);

  assert.deepEqual(record.payloads, [{ rule: 'attach', class: 'sqli', detector: 'sqli.tokens', location: 'query.id', matched: "1' OR '1'='1", maxBytes: 64 }]);
  assert.notEqual(record.log, null);
});

test('redact records mode per target', () => {
  process.env.CTXPROC_TEST_HMAC_KEY = KEY;
  const engine = engineFor(
    rule('pii', ['redact: { detectors: [email, iban], mode: partial }']) +
    rule('correlate', ['redact: { headers: [x-session], json_paths: ["$.user.ssn"], mode: hmac, hmac_key: { env: CTXPROC_TEST_HMAC_KEY } }']) +
    rule('drop', ['redact: { query_params: [id], detectors: [email], mode: remove }']),
  );
  const record = runOn(engine, GET);
  const styles = record.redaction.styles!;

  assert.equal(styles.get('detector:email')?.mode, 'partial', 'the first rule to name a target sets its mode');
  assert.equal(styles.get('detector:iban')?.mode, 'partial');
  assert.equal(styles.get('header:x-session')?.mode, 'hmac');
  assert.equal(styles.get('header:x-session')?.key?.toString(), KEY);
  assert.equal(styles.get('json_path:$.user.ssn')?.mode, 'hmac');
  assert.equal(styles.get('query_param:id')?.mode, 'remove');
  assert.deepEqual([...record.redaction.jsonPaths!], ['$.user.ssn']);
  assert.equal(record.redaction.sources.get('detector:email'), 'pii');
});

test('redact reads the HMAC key from a file', () => {
  const file = path.join(temporaryDirectory(), 'hmac.key');
  fs.writeFileSync(file, `${KEY}\n`);
  const record = runOn(engineFor(rule('file-key', [`redact: { cookies: [sid], mode: hmac, hmac_key: { file: ${JSON.stringify(file)} } }`])), GET);

  assert.equal(record.redaction.styles?.get('cookie:sid')?.key?.toString(), KEY, 'the trailing newline is not part of the key');
});

test('redact rejects missing and short keys', () => {
  delete process.env.CTXPROC_TEST_UNSET_KEY;
  process.env.CTXPROC_TEST_SHORT_KEY = 'short';
  const unset = loadProblems(rule('a', ['redact: { detectors: [email], mode: hmac, hmac_key: { env: CTXPROC_TEST_UNSET_KEY } }']));
  const short = loadProblems(rule('b', ['redact: { detectors: [email], mode: hmac, hmac_key: { env: CTXPROC_TEST_SHORT_KEY } }']));
  const absent = loadProblems(rule('c', ['redact: { detectors: [email], mode: hmac }']));
  const missingFile = loadProblems(rule('d', ['redact: { detectors: [email], mode: hmac, hmac_key: { file: /nonexistent/ctxproc.key } }']));
  const stray = loadProblems(rule('e', ['redact: { detectors: [email], hmac_key: { env: CTXPROC_TEST_SHORT_KEY } }']));

  assert.equal(unset[0]?.code, 'redaction_key');
  assert.match(unset[0]?.message ?? '', /CTXPROC_TEST_UNSET_KEY for the HMAC key is not set/);
  assert.equal(short[0]?.code, 'redaction_key');
  assert.match(short[0]?.message ?? '', /has 5 bytes; use at least 32/);
  assert.ok(!short[0]?.message.includes('short'), 'the key must not be quoted');
  assert.equal(absent[0]?.code, 'redaction_key');
  assert.equal(missingFile[0]?.code, 'redaction_key');
  assert.match(missingFile[0]?.message ?? '', /ENOENT/);
  assert.equal(stray[0]?.code, 'invalid_argument');
});

test('redact rejects unsupported JSON paths', () => {
  const problems = loadProblems(rule('paths', ['redact: { json_paths: ["$..password", "user.name"] }']));

  assert.deepEqual(problems.map((problem) => problem.code), ['invalid_argument', 'invalid_argument']);
  assert.match(problems[0]?.message ?? '', /unsupported JSON path '\$\.\.password'/);
});
