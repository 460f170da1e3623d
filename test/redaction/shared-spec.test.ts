// Shared redaction specs: the baseline merge and the redactor's preparation
// of a shared spec are made once and give what an unshared spec gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTransactionRecord } from '../../src/model/record.js';
import { withBaseline } from '../../src/redaction/baseline.js';
import { Redactor } from '../../src/redaction/redactor.js';
import { emptyRedactionSpec } from '../../src/model/record.js';
import { isSharedSpec, sharedSpec, SharedSet } from '../../src/redaction/shared-spec.js';

function ruleSpec() {
  const spec = emptyRedactionSpec();
  spec.headers.add('x-session');
  spec.queryParams.add('sig');
  spec.detectors.add('email');
  spec.sources.set('header:x-session', 'redact-session');
  spec.sources.set('query_param:sig', 'redact-session');
  spec.sources.set('detector:email', 'redact-session');
  spec.styles!.set('detector:email', { mode: 'partial' });
  return spec;
}

test('baseline merge of shared spec', () => {
  const shared = sharedSpec(ruleSpec());
  const record = newTransactionRecord();
  Object.assign(record.redaction, shared);

  const first = withBaseline(record.redaction);
  const second = withBaseline({ ...shared });
  const unshared = withBaseline(ruleSpec());

  assert.equal(first, second, 'the merge of one shared spec is made once');
  assert.ok(isSharedSpec(first));
  assert.deepEqual([...first.headers], [...unshared.headers]);
  assert.deepEqual([...first.queryParams], [...unshared.queryParams]);
  assert.deepEqual([...first.detectors], [...unshared.detectors]);
  assert.deepEqual([...first.sources], [...unshared.sources]);
  assert.deepEqual([...first.styles!], [...unshared.styles!]);
});

test('baseline merge of unshared spec', () => {
  const spec = ruleSpec();
  const merged = withBaseline(spec);

  assert.notEqual(withBaseline(spec), merged, 'a spec that can change is merged anew');
  assert.ok(!(merged.headers instanceof SharedSet));
  assert.ok(merged.headers.has('authorization'));
  assert.equal(spec.headers.has('authorization'), false, 'the rule spec is left unchanged');
});

test('redactors of shared spec', () => {
  const merged = withBaseline(sharedSpec(ruleSpec()));
  const first = new Redactor(merged);
  const second = new Redactor(merged);

  assert.equal(first.text('http.request.headers.x-note', 'mail ada@example.com'), second.text('http.request.headers.x-note', 'mail ada@example.com'));
  assert.match(first.text('field', 'mail ada@example.com'), /\[REDACTED:email:last4=/);
  assert.equal(first.isTarget('header', 'X-Session'), true);
  assert.deepEqual(first.entries(), [
    { field: 'http.request.headers.x-note', reason: 'email', rule: 'redact-session' },
    { field: 'field', reason: 'email', rule: 'redact-session' },
  ]);
  assert.equal(second.entries().length, 1, 'each redactor records its own redactions');
});
