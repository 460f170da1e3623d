// The check that a redacted header value appears nowhere in the event. The
// event builder masks every copy of a redacted value, so a real server does
// not produce such an event. This check is the rule test's own net, so it is
// tested here on an event written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TransactionResult } from '../../../src/client/types.js';
import type { SecurityEvent } from '../../../src/events/security-event.js';
import { newTransactionRecord } from '../../../src/model/record.js';
import { loadRuleSet } from '../../../src/rules/load.js';
import { checkExpectations } from '../../../src/rules/testing/expectations.js';
import { temporaryDirectory } from '../builders.js';

const RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: leak }
rules:
  - id: log-all
    description: Logs every request.
    actions:
      - log: {}
tests:
  - name: the token is redacted
    request: { path: /, headers: { x-token: tok-secret-42 } }
    expect: { redacted: [http.request.headers.x-token] }
`;

function ruleTest() {
  const file = path.join(temporaryDirectory(), 'rules.yaml');
  fs.writeFileSync(file, RULES);
  return loadRuleSet(file).tests[0]!;
}

function outcomeWith(event: Partial<SecurityEvent['ctxproc']> & { extra?: string }) {
  const ctxproc = { redactions: [{ field: 'http.request.headers.x-token', reason: 'header', rule: 'log-all' }], rules: { matched: ['log-all'], logged_by: ['log-all'] }, ...event };
  return {
    result: { upstreamRequest: null, downstreamResponse: { status: 200, headers: [] } } as unknown as TransactionResult,
    record: newTransactionRecord(),
    blocked: false,
    event: { message: event.extra ?? '', ctxproc } as unknown as SecurityEvent,
  };
}

test('redacted value found elsewhere fails', () => {
  const failures = checkExpectations(ruleTest(), outcomeWith({ extra: 'GET /?copy=tok-secret-42' }));

  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.message, "the value of header 'x-token' appears unredacted in the event");
  assert.equal(failures[0]!.position.line, 12);
});

test('redacted value absent passes', () => {
  const failures = checkExpectations(ruleTest(), outcomeWith({ extra: 'GET /?copy=[REDACTED:header]' }));

  assert.deepEqual(failures, []);
});
