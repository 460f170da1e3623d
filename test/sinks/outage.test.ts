// Delivery across an intake outage and a restart of both the intake and
// ctxproc: the intake replies 202, then 503 for a while, then 429, is then
// stopped together with ctxproc, and both start again. Every event must
// arrive at least once, and the counters must add up.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, test } from 'node:test';
import { waitFor, type TestService } from '../helpers/service-harness.js';
import { FakeIntake } from './fake-intake.js';
import { ids, sendRequests, sinkWorkspace, startSinkService } from './service-fixtures.js';
import { metricValue, TEST_API_KEY } from './sink-fixtures.js';

const intake = new FakeIntake();
const services: TestService[] = [];

// stop() is idempotent, so services the test already stopped are no extra work.
after(async () => {
  await Promise.all(services.map((service) => service.stop()));
  await intake.stop();
});

test('no event lost across outage and restart', async () => {
  let phase: 202 | 503 | 429 = 202;
  intake.reply = () => (phase === 429 ? { status: 429, headers: { 'retry-after': '1' } } : { status: phase });
  await intake.start();
  const workspace = sinkWorkspace(intake.url, `    spool: { directory: spool }\n`);
  const first = await startSinkService(workspace);
  services.push(first);

  const before = ids('before', 10);
  await sendRequests(first.target, before);
  await waitFor(() => intake.accepted.length === 10, 20_000);

  phase = 503;
  const during = ids('during', 10);
  await sendRequests(first.target, during);
  await waitFor(() => intake.requests.filter((request) => request.status === 503).length >= 3, 20_000);
  phase = 429;
  await waitFor(() => intake.requests.filter((request) => request.status === 429).length >= 2, 20_000);

  await intake.stop();
  await first.stop();
  const firstCounts = await counts(first.service.metrics);
  assert.equal(firstCounts.accepted, 20);
  assert.equal(firstCounts.sent, 10);
  assert.equal(firstCounts.spooled, 10);
  // Each failed request is retried after its backoff, except the last one if the stop came during that backoff.
  const failed = intake.requests.filter((request) => request.status !== 202);
  const failedEntries = failed.reduce((sum, request) => sum + request.entries.length, 0);
  assert.ok(firstCounts.retried <= failedEntries, `retried ${firstCounts.retried} of ${failedEntries} failed entries`);
  assert.ok(firstCounts.retried >= failedEntries - (failed.at(-1)?.entries.length ?? 0), `retried ${firstCounts.retried} of ${failedEntries} failed entries`);
  assert.equal(firstCounts.dropped, 0);
  assert.ok(readdirSync(workspace.spoolDirectory).length > 0, 'the spool is empty after the stop');

  phase = 202;
  await intake.start(intake.port);
  const second = await startSinkService(workspace);
  services.push(second);
  const afterRestart = ids('after', 10);
  await sendRequests(second.target, afterRestart);
  await waitFor(() => intake.accepted.length >= 30, 20_000);
  await second.stop();
  const secondCounts = await counts(second.service.metrics);

  const delivered = new Set(intake.accepted.map((entry) => entry.http.request_id as string));
  for (const id of [...before, ...during, ...afterRestart]) {
    assert.ok(delivered.has(id), `event ${id} never reached the intake`);
  }
  assert.equal(secondCounts.accepted, 10);
  assert.equal(secondCounts.sent, 20, 'the restart sends the 10 spooled events and its own 10');
  assert.equal(secondCounts.dropped, 0);
  assert.equal(firstCounts.sent + secondCounts.sent, intake.accepted.length);
  assert.deepEqual(readdirSync(workspace.spoolDirectory), []);
  assert.equal(await metricValue(second.service.metrics, 'ctxproc_sink_spool_depth'), 0);

  const logText = [...first.logLines, ...second.logLines].join('\n');
  assert.ok(!logText.includes(TEST_API_KEY), 'the API key reached the operational log');
  assert.match(logText, /retrying with backoff/);
});

async function counts(metrics: Parameters<typeof metricValue>[0]): Promise<Record<'accepted' | 'sent' | 'spooled' | 'retried' | 'dropped', number>> {
  const dropped = await metrics.registry.getSingleMetric('ctxproc_sink_events_dropped_total')?.get();
  return {
    accepted: await metricValue(metrics, 'ctxproc_sink_events_accepted_total'),
    sent: await metricValue(metrics, 'ctxproc_sink_events_sent_total'),
    spooled: await metricValue(metrics, 'ctxproc_sink_events_spooled_total'),
    retried: await metricValue(metrics, 'ctxproc_sink_events_retried_total'),
    dropped: (dropped?.values ?? []).reduce((sum, value) => sum + value.value, 0),
  };
}
