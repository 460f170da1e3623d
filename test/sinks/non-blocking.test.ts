// A slow or dead sink adds no latency to ext_proc replies. The proof is by
// order of events, not by timing: every transaction gets its replies while
// the intake keeps the first delivery request open without a reply, or
// rejects connections, so no reply can have waited for delivery.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, test } from 'node:test';
import type { TransactionResult } from '../../src/client/envoy-client.js';
import { waitFor } from '../helpers/service-harness.js';
import { FakeIntake } from './fake-intake.js';
import { ids, sendRequests, sinkWorkspace, startSinkService } from './service-fixtures.js';
import { metricValue, waitForMetric } from './sink-fixtures.js';

const intakes: FakeIntake[] = [];

after(() => Promise.all(intakes.map((intake) => intake.stop())));

async function startIntake(hang: boolean): Promise<FakeIntake> {
  const intake = new FakeIntake();
  intakes.push(intake);
  intake.hang = hang;
  await intake.start();
  return intake;
}

test('hung intake does not hold replies', async () => {
  const intake = await startIntake(true);
  const ctxproc = await startSinkService(sinkWorkspace(intake.url));
  const metrics = ctxproc.service.metrics;
  let results: TransactionResult[] = [];
  let queued = -1;
  try {
    await sendRequests(ctxproc.target, ids('first', 1));
    await waitFor(() => intake.heldCount === 1, 20_000);
    results = await sendRequests(ctxproc.target, ids('later', 20));
    // An event is queued when its stream ends, which can come after the client has its replies.
    await waitForMetric(metrics, 'ctxproc_sink_events_accepted_total', 21);
    queued = await metricValue(metrics, 'ctxproc_sink_queue_depth');
  } finally {
    await ctxproc.stop();
  }

  assert.equal(results.length, 20);
  for (const result of results) {
    assert.equal(result.downstreamResponse.status, 200);
    assert.equal((result.dynamicMetadata.ctxproc as { logged: boolean }).logged, true);
    assert.deepEqual(result.dynamicMetadata['envoy.common'], { access_log_hint: true });
  }
  assert.equal(intake.requests.length, 0, 'the intake answered a request');
  assert.equal(queued, 20, 'the first event is in flight and the other 20 wait in the queue');
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_sent_total'), 0);
  const dropped = await metricValue(metrics, 'ctxproc_sink_events_dropped_total', { sink: 'datadog', reason: 'shutdown' });
  assert.equal(dropped, 21, 'events left at shutdown without a spool are counted');
});

test('refused intake does not hold replies', async () => {
  const intake = await startIntake(false);
  const url = intake.url;
  await intake.stop();
  const workspace = sinkWorkspace(url, `    spool: { directory: spool }\n`);
  const ctxproc = await startSinkService(workspace);
  const metrics = ctxproc.service.metrics;
  let results: TransactionResult[] = [];
  try {
    results = await sendRequests(ctxproc.target, ids('refused', 20));
    await waitFor(() => ctxproc.logs.some((line) => /retrying with backoff/.test(String(line.message))), 20_000);
    await waitForMetric(metrics, 'ctxproc_sink_events_accepted_total', 20);
  } finally {
    await ctxproc.stop();
  }

  assert.equal(results.length, 20);
  for (const result of results) {
    assert.equal(result.downstreamResponse.status, 200);
  }
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_sent_total'), 0);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_spooled_total'), 20);
  assert.ok(readdirSync(workspace.spoolDirectory).length > 0, 'the spool is empty after the stop');
});
