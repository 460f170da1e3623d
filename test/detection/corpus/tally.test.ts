// The corpus tally: attack rates per class, and false positives counted
// only on benign tests that no identical attack test of the class contradicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpRequestSpec } from '../../../src/client/types.js';
import { classOfRuleFile, type CorpusClass } from '../../../src/detection/corpus/crs-classes.js';
import { CorpusTally, requestKey } from '../../../src/detection/corpus/tally.js';

const RCE = classOfRuleFile('REQUEST-932-APPLICATION-ATTACK-RCE') as CorpusClass;
const XSS = classOfRuleFile('REQUEST-941-APPLICATION-ATTACK-XSS') as CorpusClass;

function get(path: string, headers: Array<[string, string]> = []): HttpRequestSpec {
  return { method: 'GET', path, scheme: 'http', authority: 'localhost', headers };
}

test('requestKey tells requests apart by path, header and body', () => {
  const base = get('/a?x=1', [['user-agent', 'probe']]);
  assert.equal(requestKey(base), requestKey(get('/a?x=1', [['User-Agent', 'probe']])));
  assert.notEqual(requestKey(base), requestKey(get('/a?x=2', [['user-agent', 'probe']])));
  assert.notEqual(requestKey(base), requestKey(get('/a?x=1', [['user-agent', 'other']])));
  assert.notEqual(requestKey(base), requestKey({ ...base, method: 'POST', body: Buffer.from('x') }));
});

test('benign repeat of attack test left out', () => {
  const tally = new CorpusTally();
  const request = requestKey(get('/run?c=%7E%2B'));
  tally.add({ source: 'benign#1', attackClass: undefined, benignClasses: [RCE], detectedClasses: new Set(['rce']), requestKey: request });
  tally.add({ source: 'attack#1', attackClass: RCE, benignClasses: [], detectedClasses: new Set(['rce']), requestKey: request });
  const report = tally.report('in_process');
  assert.equal(report.benign_tests, 0);
  assert.equal(report.false_positives, 0);
  assert.equal(report.contradicted_benign_tests, 1);
  assert.equal(report.classes['rce']?.detected, 1);
});

test('a benign test flagged with its class counts as a false positive', () => {
  const tally = new CorpusTally();
  tally.add({ source: 'attack#1', attackClass: XSS, benignClasses: [], detectedClasses: new Set(['xss']), requestKey: requestKey(get('/q?a=1')) });
  tally.add({ source: 'benign#2', attackClass: undefined, benignClasses: [RCE], detectedClasses: new Set(['rce']), requestKey: requestKey(get('/q?a=1')) });
  tally.add({ source: 'benign#3', attackClass: undefined, benignClasses: [RCE], detectedClasses: new Set(['xss']), requestKey: requestKey(get('/q?b=1')) });
  const report = tally.report('in_process');
  assert.equal(report.benign_tests, 2);
  assert.equal(report.false_positives, 1);
  assert.deepEqual(tally.misses.falsePositives, ['benign#2 [rce]']);
});
