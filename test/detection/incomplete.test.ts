// Requests whose values detection did not all read: the time budget and the
// input limits each leave a protocol.inspection_incomplete detection and a
// count, so padding a request cannot hide a payload without a trace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incompleteInspectionCounts } from '../../src/detection/incomplete.js';
import { detectRequest } from '../../src/detection/index.js';
import type { Exchange } from '../../src/model/exchange.js';
import { Metrics } from '../../src/metrics/metrics.js';

function get(query: string): Exchange {
  return {
    id: 't1',
    startTimeMs: 0,
    startNs: 0n,
    endNs: null,
    request: { method: 'GET', path: `/items?${query}`, url_path: '/items', query, host: 'shop.test', scheme: 'https', headers: [], body: null, trailers: null },
    response: null,
    source: null,
    destination: null,
    attributes: {},
  };
}

const ATTACK = 'id=3%27%20OR%20%27a%27%3D%27a';

test('spent budget reports the rest', () => {
  const before = incompleteInspectionCounts().time_budget;
  // The path and 32 pairs make 65 values; the attack's name and value come after them.
  const padding = Array.from({ length: 32 }, (_, index) => `p${index}=v${index}`).join('&');

  const found = detectRequest(get(`${padding}&${ATTACK}`), 0);

  assert.deepEqual(found.map((detection) => detection.detector), ['protocol.inspection_incomplete']);
  assert.equal(found[0]!.location, 'query.p31');
  assert.match(found[0]!.matched, /time budget of 0 ms after 64 of 67 values/);
  assert.equal(incompleteInspectionCounts().time_budget, before + 1);
});

test('budget spares an ordinary request', () => {
  const found = detectRequest(get(ATTACK), 0);

  assert.deepEqual(found.map((detection) => detection.detector), ['sqli.tokens']);
});

test('default budget reads every value', () => {
  const found = detectRequest(get(ATTACK));

  assert.deepEqual(found.map((detection) => detection.detector), ['sqli.tokens']);
});

test('values past the limit are reported', () => {
  const before = incompleteInspectionCounts().input_limit;
  const padding = Array.from({ length: 300 }, (_, index) => `p${index}=v${index}`).join('&');

  const found = detectRequest(get(`${padding}&${ATTACK}`));

  const incomplete = found.find((detection) => detection.detector === 'protocol.inspection_incomplete');
  assert.equal(incomplete?.class, 'protocol');
  assert.equal(incomplete?.location, 'query.p255');
  assert.match(incomplete?.matched ?? '', /more values than detection reads/);
  assert.equal(incompleteInspectionCounts().input_limit, before + 1);
});

test('metric reads the counts', async () => {
  const counts = incompleteInspectionCounts();

  const text = await new Metrics().registry.getSingleMetricAsString('ctxproc_detection_incomplete_total');

  assert.match(text, new RegExp(`reason="time_budget"\\} ${counts.time_budget}\\b`));
  assert.match(text, new RegExp(`reason="input_limit"\\} ${counts.input_limit}\\b`));
});
