// Named lists declared under `lists:` and tested with inList().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { newTransactionRecord } from '../../../src/model/record.js';
import { Phase } from '../../../src/model/phase.js';
import { RuleEngine } from '../../../src/rules/engine.js';
import { NamedList } from '../../../src/rules/functions/named-lists.js';
import { loadRuleSet } from '../../../src/rules/load.js';
import { RuleLoadError } from '../../../src/rules/problems.js';
import { makeExchange, temporaryDirectory } from '../builders.js';

function ruleFile(body: string): string {
  const file = path.join(temporaryDirectory(), 'lists.yaml');
  writeFileSync(file, `apiVersion: ctxproc.dev/v1\nkind: RuleSet\nmetadata: { name: lists }\n${body}`);
  return file;
}

const RULES = `lists:
  blocked_ips: [198.51.100.7, 10.0.0.0/8, "2001:db8::/32"]
  partners: [acme, globex]
rules:
  - id: blocked-source
    description: Tags requests from blocked addresses.
    when: "source.address.inList('blocked_ips')"
    actions:
      - tag: { blocked: 'yes' }
  - id: partner
    description: Tags partner traffic.
    when: "request.headers['x-partner'].inList('partners')"
    actions:
      - tag: { partner: 'yes' }
`;

test('named list matches entries and ranges', () => {
  const list = new NamedList(['198.51.100.7', '10.0.0.0/8', '2001:db8::/32', 'acme']);
  assert.equal(list.has('198.51.100.7'), true);
  assert.equal(list.has('10.20.30.40'), true);
  assert.equal(list.has('2001:db8::5'), true);
  assert.equal(list.has('acme'), true);
  assert.equal(list.has('198.51.100.8'), false);
  assert.equal(list.has('globex'), false);
});

test('inList in rules tags matches', () => {
  const engine = new RuleEngine(loadRuleSet(ruleFile(RULES)));
  const cases: Array<{ source: string; partner: string; tags: Record<string, string> }> = [
    { source: '198.51.100.7', partner: 'acme', tags: { blocked: 'yes', partner: 'yes' } },
    { source: '10.1.2.3', partner: 'initech', tags: { blocked: 'yes' } },
    { source: '203.0.113.9', partner: 'globex', tags: { partner: 'yes' } },
  ];

  for (const { source, partner, tags } of cases) {
    const exchange = makeExchange({ method: 'GET', path: '/', headers: [['x-partner', partner]] }, null, { source: { address: source, port: 1 } });
    const record = newTransactionRecord();
    engine.start().runPhase(Phase.RequestHeaders, exchange, record);
    assert.deepEqual(record.tags, tags, `${source} ${partner}`);
  }
});

test('undeclared list rejected at load', () => {
  const file = ruleFile(`lists:\n  partners: [acme]\nrules:\n  - id: bad\n    description: Reads a missing list.\n    when: "request.host.inList('partnerz')"\n    actions:\n      - tag: { a: b }\n`);
  assert.throws(() => loadRuleSet(file), (error: unknown) => {
    assert.ok(error instanceof RuleLoadError);
    const [problem] = error.problems;
    assert.equal(problem?.code, 'invalid_argument');
    assert.match(problem?.message ?? '', /inList\(\): list 'partnerz' is not declared; add it under lists: in the same file \(declared lists: partners\)/);
    assert.equal(problem?.line, 9);
    return true;
  });
});

test('computed list name rejected at load', () => {
  const file = ruleFile(`rules:\n  - id: bad\n    description: Computes a list name.\n    when: "request.host.inList(request.method)"\n    actions:\n      - tag: { a: b }\n`);
  assert.throws(() => loadRuleSet(file), /inList\(\) needs the name of a list as a string literal.*this file declares no lists/);
});

test('invalid list section fails schema', () => {
  const file = ruleFile(`lists:\n  Bad-Name: [a]\nrules:\n  - id: ok\n    description: Fine.\n    actions:\n      - tag: { a: b }\n`);
  assert.throws(() => loadRuleSet(file), (error: unknown) => error instanceof RuleLoadError && error.problems.some((problem) => problem.code === 'schema'));
});
