// Redaction specs shared between transactions: a transaction takes the spec
// of its first redact action as built once, and a second action copies it
// before adding, so no transaction gets another's targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../../../src/model/exchange.js';
import { Phase } from '../../../src/model/phase.js';
import { newTransactionRecord, type TransactionRecord } from '../../../src/model/record.js';
import { SharedMap, SharedSet } from '../../../src/redaction/shared-spec.js';
import { RuleEngine } from '../../../src/rules/engine.js';
import { loadRuleSet } from '../../../src/rules/load.js';
import { makeExchange, writeRuleFile } from '../builders.js';

const RULES = [
  '  - id: always',
  '    description: Redacts credentials on every request.',
  '    actions:',
  '      - redact: { headers: [authorization], query_params: [token], detectors: [jwt] }',
  '  - id: admin-only',
  '    description: Redacts the admin key on admin paths.',
  "    when: \"request.url_path.startsWith('/admin')\"",
  '    actions:',
  '      - redact: { headers: [x-admin-key], detectors: [email], mode: partial }',
].join('\n') + '\n';

function runAll(engine: RuleEngine, exchange: Exchange): TransactionRecord {
  const record = newTransactionRecord();
  const run = engine.start();
  for (let phase = Phase.RequestHeaders; phase <= Phase.ResponseTrailers; phase++) {
    run.runPhase(phase, exchange, record);
  }
  run.finish(exchange, record);
  return record;
}

const PUBLIC = makeExchange({ method: 'GET', path: '/api/orders', headers: [] }, { code: 200, headers: [] });
const ADMIN = makeExchange({ method: 'GET', path: '/admin/users', headers: [] }, { code: 200, headers: [] });

test('one redact action shares its spec', () => {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(RULES)));
  const first = runAll(engine, PUBLIC);
  const second = runAll(engine, PUBLIC);

  assert.equal(first.redaction.headers, second.redaction.headers, 'both transactions read the same set');
  assert.ok(first.redaction.headers instanceof SharedSet);
  assert.ok(first.redaction.sources instanceof SharedMap);
  assert.deepEqual([...first.redaction.headers], ['authorization']);
  assert.deepEqual(Object.fromEntries(first.redaction.sources), { 'header:authorization': 'always', 'query_param:token': 'always', 'detector:jwt': 'always' });
});

test('second redact action copies first', () => {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(RULES)));
  const admin = runAll(engine, ADMIN);
  const after = runAll(engine, PUBLIC);

  assert.deepEqual([...admin.redaction.headers], ['authorization', 'x-admin-key']);
  assert.deepEqual([...admin.redaction.detectors], ['jwt', 'email']);
  assert.equal(admin.redaction.sources.get('header:x-admin-key'), 'admin-only');
  assert.deepEqual(admin.redaction.styles?.get('detector:email'), { mode: 'partial' });
  assert.ok(!(admin.redaction.headers instanceof SharedSet), 'the admin transaction changed its own copy');

  assert.deepEqual([...after.redaction.headers], ['authorization'], 'the shared spec kept only the first action\'s targets');
  assert.deepEqual([...after.redaction.detectors], ['jwt']);
  assert.equal(after.redaction.sources.has('header:x-admin-key'), false);
  assert.equal(after.redaction.styles?.size, 0);
});

test('shared collections reject changes', () => {
  const engine = new RuleEngine(loadRuleSet(writeRuleFile(RULES)));
  const record = runAll(engine, PUBLIC);

  assert.throws(() => record.redaction.headers.add('cookie'), TypeError);
  assert.throws(() => record.redaction.headers.delete('authorization'), TypeError);
  assert.throws(() => record.redaction.detectors.clear(), TypeError);
  assert.throws(() => record.redaction.sources.set('header:cookie', 'x'), TypeError);
  assert.deepEqual([...record.redaction.headers], ['authorization']);
});
