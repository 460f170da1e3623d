// Phase inference: a rule runs in the latest phase among the attributes its
// condition and its actions' expressions read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase, PHASE_NAMES } from '../../src/model/phase.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { writeRuleFile } from './builders.js';

interface PhaseCase {
  name: string;
  when?: string;
  actions: string;
  phase: Phase;
  attribute: string | null;
}

const PHASE_CASES: PhaseCase[] = [
  { name: 'no condition', actions: 'tag: { a: b }', phase: Phase.RequestHeaders, attribute: null },
  { name: 'request method', when: "request.method == 'POST'", actions: 'log: {}', phase: Phase.RequestHeaders, attribute: 'request.method' },
  { name: 'request header index', when: "request.headers['x-a'] == 'b'", actions: 'log: {}', phase: Phase.RequestHeaders, attribute: 'request.headers' },
  { name: 'bracket attribute', when: "request['url_path'] == '/'", actions: 'log: {}', phase: Phase.RequestHeaders, attribute: 'request.url_path' },
  { name: 'request size', when: 'request.size > 1000', actions: 'log: {}', phase: Phase.RequestHeaders, attribute: 'request.size' },
  { name: 'peer and connection', when: "source.address == '1.2.3.4' && connection.mtls", actions: 'log: {}', phase: Phase.RequestHeaders, attribute: 'source.address' },
  { name: 'request body', when: "request.body.contains('select')", actions: 'log: {}', phase: Phase.RequestBody, attribute: 'request.body' },
  { name: 'has request body', when: 'has(request.body)', actions: 'log: {}', phase: Phase.RequestBody, attribute: 'request.body' },
  { name: 'request trailers', when: "'grpc-status' in request.trailers", actions: 'log: {}', phase: Phase.RequestTrailers, attribute: 'request.trailers' },
  { name: 'response code', when: 'response.code >= 500', actions: 'log: {}', phase: Phase.ResponseHeaders, attribute: 'response.code' },
  { name: 'response header', when: "response.headers['server'] == 'x'", actions: 'log: {}', phase: Phase.ResponseHeaders, attribute: 'response.headers' },
  { name: 'response body', when: "response.body.contains('stack trace')", actions: 'log: {}', phase: Phase.ResponseBody, attribute: 'response.body' },
  { name: 'response trailers', when: "'grpc-status' in response.trailers", actions: 'log: {}', phase: Phase.ResponseTrailers, attribute: 'response.trailers' },
  { name: 'latest of several', when: "request.body != '' || response.code == 500 || request.method == 'GET'", actions: 'log: {}', phase: Phase.ResponseHeaders, attribute: 'response.code' },
  { name: 'whole root', when: 'has(response.code) && size([response]) == 1', actions: 'log: {}', phase: Phase.ResponseTrailers, attribute: 'response' },
  { name: 'log field reads response', when: "request.method == 'GET'", actions: 'log: { fields: { status: "response.code" } }', phase: Phase.ResponseHeaders, attribute: 'response.code' },
  { name: 'header value reads body', actions: `set_header: { to: upstream, name: x-len, value: "string(size(request.body))" }`, phase: Phase.RequestBody, attribute: 'request.body' },
  { name: 'macro variable shadows root', when: '[1, 2].exists(response, response > 1)', actions: 'log: {}', phase: Phase.RequestHeaders, attribute: null },
  { name: 'bind variable shadows root', when: 'cel.bind(response, 2, response > 1) && request.method == "GET"', actions: 'log: {}', phase: Phase.RequestHeaders, attribute: 'request.method' },
  { name: 'macro over response headers', when: "response.headers.exists(name, name.startsWith('x-debug'))", actions: 'log: {}', phase: Phase.ResponseHeaders, attribute: 'response.headers' },
  { name: 'ctxproc attributes', when: "'other' in ctxproc.matched && ctxproc.tags['a'] == 'b'", actions: 'log: {}', phase: Phase.RequestHeaders, attribute: 'ctxproc.matched' },
];

for (const phaseCase of PHASE_CASES) {
  test(`phase of ${phaseCase.name}`, () => {
    const when = phaseCase.when === undefined ? '' : `    when: ${JSON.stringify(phaseCase.when)}\n`;
    const file = writeRuleFile(`  - id: rule\n    description: Phase case.\n${when}    actions:\n      - ${phaseCase.actions}\n`);
    const [rule] = loadRuleSet(file).rules;

    assert.equal(PHASE_NAMES[rule?.phase ?? Phase.RequestHeaders], PHASE_NAMES[phaseCase.phase]);
    assert.equal(rule?.phaseAttribute, phaseCase.attribute);
  });
}

test('downstream change allowed in response body rule', () => {
  const file = writeRuleFile(`  - id: rule\n    description: Body rule.\n    when: "response.body.contains('x')"\n    actions:\n      - set_header: { to: downstream, name: x-a, value: "'b'" }\n      - block: {}\n`);
  const [rule] = loadRuleSet(file).rules;

  assert.equal(rule?.phase, Phase.ResponseBody);
});

test('upstream change allowed in request body rule', () => {
  const file = writeRuleFile(`  - id: rule\n    description: Body rule.\n    when: "request.body.contains('x')"\n    actions:\n      - remove_header: { to: upstream, name: x-a }\n`);
  const [rule] = loadRuleSet(file).rules;

  assert.equal(rule?.phase, Phase.RequestBody);
});

test('downstream change rejected in response trailers rule', () => {
  const file = writeRuleFile(`  - id: rule\n    description: Trailer rule.\n    when: "'x' in response.trailers"\n    actions:\n      - remove_header: { to: downstream, name: x-a }\n`);

  assert.throws(() => loadRuleSet(file), (error: Error & { problems?: Array<{ code: string }> }) => {
    assert.equal(error.problems?.[0]?.code, 'phase_conflict');
    return true;
  });
});
