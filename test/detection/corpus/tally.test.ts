// The corpus tally: attack rates per class, and false positives counted
// only on benign tests that no identical attack test of the class contradicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpRequestSpec } from '../../../src/client/types.js';
import { classOfRuleFile, type CorpusClass } from '../../../src/detection/corpus/crs-classes.js';
import { CorpusTally, requestKey, type SecondOpinion } from '../../../src/detection/corpus/tally.js';

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

// The second engine here is a plain classifier over the request path, so
// that the counting is checked apart from any engine. libddwaf.test.ts runs
// the real one.
const SQLI = classOfRuleFile('REQUEST-942-APPLICATION-ATTACK-SQLI') as CorpusClass;

function secondEngine(flaggedPaths: Record<string, string[]>): SecondOpinion {
  return { name: 'second engine', classesOf: (request) => new Set(flaggedPaths[request.path] ?? []) };
}

function benignFlagged(tally: CorpusTally, source: string, request: HttpRequestSpec, corpusClass: CorpusClass, detected: string[]): void {
  tally.add({ source, attackClass: undefined, benignClasses: [corpusClass], detectedClasses: new Set(detected), requestKey: requestKey(request), request });
}

test('same-class second opinion disputes false positive', () => {
  const tally = new CorpusTally();
  benignFlagged(tally, 'benign#1', get('/a?id=1'), SQLI, ['sqli']);
  benignFlagged(tally, 'benign#2', get('/b?id=2'), SQLI, ['sqli']);
  benignFlagged(tally, 'benign#3', get('/c?id=3'), SQLI, []);
  benignFlagged(tally, 'benign#4', get('/d?id=4'), SQLI, []);

  const report = tally.report('in_process', secondEngine({ '/a?id=1': ['sqli'], '/b?id=2': ['xss'] }));

  assert.equal(report.false_positives, 2);
  assert.equal(report.false_positive_rate, 0.5);
  assert.equal(report.disputed_false_positives, 1);
  assert.equal(report.false_positive_rate_undisputed, 0.3333);
  assert.equal(report.false_positive_check, 'second engine');
  assert.deepEqual(tally.misses.falsePositives, ['benign#1 [sqli] disputed: the second engine reports sqli', 'benign#2 [sqli]']);
});

test('dispute through an accepted class', () => {
  const tally = new CorpusTally();
  benignFlagged(tally, 'benign#1', get('/a?id=1'), SQLI, ['sqli']);

  const report = tally.report('in_process', secondEngine({ '/a?id=1': ['nosqli'] }));

  assert.equal(report.disputed_false_positives, 1);
  assert.equal(report.false_positive_rate_undisputed, 0);
});

test('unavailable second engine skips the check', () => {
  const tally = new CorpusTally();
  benignFlagged(tally, 'benign#1', get('/a?id=1'), SQLI, ['sqli']);

  const report = tally.report('in_process', { unavailable: 'libddwaf is not installed' });

  assert.equal(report.false_positives, 1);
  assert.equal(report.disputed_false_positives, null);
  assert.equal(report.false_positive_rate_undisputed, null);
  assert.equal(report.false_positive_check, 'skipped: libddwaf is not installed');
  assert.deepEqual(tally.misses.falsePositives, ['benign#1 [sqli]']);
});
