// Which bodies a transaction still needs after its request headers, and the
// mode_override that turns the others off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTransactionRecord } from '../../src/model/record.js';
import { BodySendMode } from '../../src/protocol/messages.js';
import { loadRuleSet } from '../../src/rules/load.js';
import type { CompiledRule } from '../../src/rules/types.js';
import { bodyNeeds } from '../../src/rules/body-needs.js';
import { modeOverrideFor } from '../../src/session/mode-override.js';
import { makeExchange, writeRuleFile } from '../rules/builders.js';

function rulesOf(...conditions: string[]): CompiledRule[] {
  const text = conditions.map((when, index) => `  - id: rule-${index}\n    description: Rule ${index}.\n    when: ${JSON.stringify(when)}\n    actions:\n      - tag: { rule: '${index}' }\n`).join('');
  return loadRuleSet(writeRuleFile(text)).rules;
}

function needsFor(conditions: string[], method = 'GET', path = '/'): { request: boolean; response: boolean } {
  const exchange = makeExchange({ method, path, headers: [['content-type', 'application/json']] });
  return bodyNeeds(rulesOf(...conditions), () => false, exchange, newTransactionRecord());
}

interface NeedCase {
  name: string;
  conditions: string[];
  method?: string;
  request: boolean;
  response: boolean;
}

const NEED_CASES: NeedCase[] = [
  { name: 'headers only', conditions: ["request.method == 'POST'", 'response.code >= 500'], request: false, response: false },
  { name: 'request body read', conditions: ["request.body.contains('x')"], request: true, response: false },
  { name: 'guard false on method', conditions: ["request.method == 'POST' && request.body.contains('x')"], request: false, response: false },
  { name: 'guard true on method', conditions: ["request.method == 'POST' && request.body.contains('x')"], method: 'POST', request: true, response: false },
  { name: 'or keeps body', conditions: ["request.method == 'POST' || request.body.contains('x')"], request: true, response: false },
  { name: 'has on later attribute', conditions: ['has(request.json) && request.json.admin == true'], request: true, response: false },
  { name: 'negated has on later attribute', conditions: ["!has(request.body) && request.method == 'POST'"], request: false, response: false },
  { name: 'negated has keeps body', conditions: ["!has(request.body) && request.method == 'GET'"], request: true, response: false },
  { name: 'detections', conditions: ["detections.exists(d, d['class'] == 'sqli')"], request: true, response: false },
  { name: 'response body guarded by path', conditions: ["request.url_path.startsWith('/api') && response.body.contains('Exception')"], request: false, response: false },
  { name: 'response body', conditions: ["response.body.contains('Exception')"], request: false, response: true },
  { name: 'response detections', conditions: ['response.detections.size() > 0'], request: false, response: true },
  { name: 'response code guard unknown', conditions: ['has(response.code) && response.code == 500 && response.body.size() > 0'], request: false, response: true },
];

test('body needs table', () => {
  for (const { name, conditions, method, request, response } of NEED_CASES) {
    const needs = needsFor(conditions, method);
    assert.equal(needs.request, request, `${name}: request body`);
    assert.equal(needs.response, response, `${name}: response body`);
  }
});

test('rules already run need nothing', () => {
  const rules = rulesOf("request.body.contains('x')");
  const exchange = makeExchange({ method: 'POST', path: '/' });
  assert.deepEqual(bodyNeeds(rules, () => true, exchange, newTransactionRecord()), { request: false, response: false });
});

test('log action needs the bodies it includes', () => {
  const exchange = makeExchange({ method: 'GET', path: '/' });
  const needsOf = (log: string) => bodyNeeds(loadRuleSet(writeRuleFile(`  - id: log-all\n    description: Logs everything.\n    actions:\n      - log: ${log}\n`)).rules, () => false, exchange, newTransactionRecord());

  assert.deepEqual(needsOf('{ message: seen }'), { request: false, response: false });
  assert.deepEqual(needsOf('{ include: { request_body: 1024 } }'), { request: true, response: false });
  assert.deepEqual(needsOf('{ include: { response_body: 512 } }'), { request: false, response: true });
});

test('override turns off unneeded body', () => {
  const configured = { request: BodySendMode.BUFFERED, response: BodySendMode.BUFFERED_PARTIAL };
  assert.deepEqual(modeOverrideFor({ request: false, response: true }, configured), { request_body_mode: BodySendMode.NONE, response_body_mode: BodySendMode.BUFFERED_PARTIAL });
  assert.deepEqual(modeOverrideFor({ request: true, response: false }, configured), { request_body_mode: BodySendMode.BUFFERED, response_body_mode: BodySendMode.NONE });
});

test('override null when nothing changes', () => {
  assert.equal(modeOverrideFor({ request: true, response: true }, { request: BodySendMode.BUFFERED, response: BodySendMode.STREAMED }), null);
  assert.equal(modeOverrideFor({ request: false, response: false }, { request: BodySendMode.NONE, response: BodySendMode.NONE }), null);
});

test('override null with full duplex', () => {
  assert.equal(modeOverrideFor({ request: false, response: false }, { request: BodySendMode.FULL_DUPLEX_STREAMED, response: BodySendMode.BUFFERED }), null);
});
