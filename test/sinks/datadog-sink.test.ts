import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { waitFor } from '../helpers/service-harness.js';
import { FakeIntake } from './fake-intake.js';
import { datadogSink, eventWithId, metricValue, TEST_API_KEY } from './sink-fixtures.js';

const intakes: FakeIntake[] = [];

async function startIntake(): Promise<FakeIntake> {
  const intake = new FakeIntake();
  await intake.start();
  intakes.push(intake);
  return intake;
}

after(async () => {
  await Promise.all(intakes.map((intake) => intake.stop()));
});

test('datadog sink sends gzip JSON with key', async () => {
  const intake = await startIntake();
  const { sink, metrics } = datadogSink(intake.url);
  sink.accept(eventWithId('req-1'));
  await waitFor(() => intake.accepted.length === 1);
  await sink.close(Date.now() + 2000);

  const [request] = intake.requests;
  assert.equal(request?.headers['dd-api-key'], TEST_API_KEY);
  assert.equal(request?.headers['content-encoding'], 'gzip');
  assert.equal(request?.headers['content-type'], 'application/json');
  assert.equal(new URL(request?.url ?? '', intake.url).searchParams.get('ddtags'), 'env:test');
  const [entry] = intake.accepted;
  assert.equal(entry?.ddsource, 'ctxproc');
  assert.equal(entry?.http?.request_id, 'req-1');
  assert.equal(entry?.status, 'error');
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_sent_total'), 1);
});

test('datadog sink batches within 1000 entries', async () => {
  const intake = await startIntake();
  const { sink, metrics } = datadogSink(intake.url);
  for (let index = 0; index < 2500; index += 1) {
    sink.accept(eventWithId(`req-${index}`));
  }
  await sink.close(Date.now() + 10_000);

  assert.equal(intake.accepted.length, 2500);
  for (const request of intake.requests) {
    assert.ok(request.entries.length <= 1000, `a request carried ${request.entries.length} entries`);
  }
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_sent_total'), 2500);
});

test('datadog sink batches within 5 MB', async () => {
  const intake = await startIntake();
  // About 200 kB per event, so a 5 MB request fits about 25 of them.
  const { sink } = datadogSink(intake.url);
  for (let index = 0; index < 60; index += 1) {
    sink.accept(eventWithId(`big-${index}`, 200_000));
  }
  await sink.close(Date.now() + 10_000);

  assert.equal(intake.accepted.length, 60);
  assert.ok(intake.requests.length >= 3, `only ${intake.requests.length} requests`);
  for (const request of intake.requests) {
    assert.ok(Buffer.byteLength(request.body) <= 5_000_000, `a body had ${Buffer.byteLength(request.body)} bytes`);
  }
});

test('datadog sink splits a batch on 413', async () => {
  const intake = await startIntake();
  intake.reply = (request) => ({ status: request.entries.length > 2 ? 413 : 202 });
  const { sink, metrics } = datadogSink(intake.url, { batch: { maxEvents: 1000, maxBytes: 5_000_000, intervalMs: 1_000_000 } });
  for (let index = 0; index < 8; index += 1) {
    sink.accept(eventWithId(`split-${index}`));
  }
  await sink.close(Date.now() + 5000);

  const ids = intake.accepted.map((entry) => entry.http.request_id as string).sort();
  assert.deepEqual(ids, [...Array(8).keys()].map((index) => `split-${index}`).sort());
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_sent_total'), 8);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_dropped_total', { sink: 'datadog', reason: 'too_large' }), 0);
});

test('datadog sink drops an event too large alone', async () => {
  const intake = await startIntake();
  intake.reply = () => ({ status: 413 });
  const { sink, metrics } = datadogSink(intake.url);
  sink.accept(eventWithId('lonely'));
  await sink.close(Date.now() + 5000);

  assert.equal(intake.requests.length, 1);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_dropped_total', { sink: 'datadog', reason: 'too_large' }), 1);
});

test('datadog sink does not retry 401', async () => {
  const intake = await startIntake();
  intake.reply = () => ({ status: 401 });
  const { sink, metrics, logLines } = datadogSink(intake.url);
  sink.accept(eventWithId('denied-1'));
  sink.accept(eventWithId('denied-2'));
  await sink.close(Date.now() + 5000);

  assert.equal(intake.requests.length, 1);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_dropped_total', { sink: 'datadog', reason: 'rejected' }), 2);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_retried_total'), 0);
  await waitFor(() => logLines.some((line) => line.includes('"status":"error"')));
  const errors = logLines.map((line) => JSON.parse(line) as Record<string, any>).filter((line) => line.status === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message as string, /401.*API key/);
  assert.ok(logLines.every((line) => !line.includes(TEST_API_KEY)), 'the API key reached the log');
});

test('datadog sink retries 503 then delivers', async () => {
  const intake = await startIntake();
  let failures = 3;
  intake.reply = () => (failures-- > 0 ? { status: 503 } : { status: 202 });
  const { sink, metrics } = datadogSink(intake.url);
  sink.accept(eventWithId('again'));
  await waitFor(() => intake.accepted.length === 1, 20_000);
  await sink.close(Date.now() + 2000);

  assert.equal(intake.requests.length, 4);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_retried_total'), 3);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_sent_total'), 1);
});

test('datadog sink drops oldest when queue full', async () => {
  const intake = await startIntake();
  intake.hang = true;
  const { sink, metrics } = datadogSink(intake.url, { queue: { maxEvents: 5, maxBytes: 1_000_000 }, batch: { maxEvents: 1000, maxBytes: 5_000_000, intervalMs: 1_000_000 } });
  for (let index = 0; index < 8; index += 1) {
    sink.accept(eventWithId(`q-${index}`));
  }

  assert.equal(await metricValue(metrics, 'ctxproc_sink_events_dropped_total', { sink: 'datadog', reason: 'queue_full' }), 3);
  assert.equal(await metricValue(metrics, 'ctxproc_sink_queue_depth'), 5);
  intake.hang = false;
  await sink.close(Date.now() + 5000);
  const ids = intake.accepted.map((entry) => entry.http.request_id as string);
  assert.deepEqual(ids, ['q-3', 'q-4', 'q-5', 'q-6', 'q-7']);
});
