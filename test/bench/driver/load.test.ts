import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holdOpen, LoadTarget, runClosedLoop } from '../../../bench/driver/load.js';
import { buildTransactions } from '../../../bench/driver/traffic.js';
import { waitForCompletedStreams } from '../../helpers/stream-counts.js';
import { startTestService, waitFor, type TestService } from '../../helpers/service-harness.js';

async function gaugeValue(service: TestService, name: 'streamsActive'): Promise<number> {
  return (await service.service.metrics[name].get()).values[0]?.value ?? 0;
}

test('closed loop completes every transaction', async (context) => {
  const service = await startTestService();
  const target = await LoadTarget.connect(service.service.grpcPort, 2, buildTransactions('headers'));
  context.after(async () => {
    target.close();
    await service.stop();
  });

  const result = await runClosedLoop(target, 8, { durationMs: 60_000, maxTransactions: 200 });

  assert.equal(result.completed, 200);
  assert.equal(result.failed, 0);
  assert.ok(result.p50Ms > 0);
  await waitFor(() => service.events.length === 3);
  assert.equal(await waitForCompletedStreams(service, 200), 200);
});

test('closed loop resets after the first reply', async (context) => {
  const service = await startTestService();
  const target = await LoadTarget.connect(service.service.grpcPort, 2, buildTransactions('headers'));
  context.after(async () => {
    target.close();
    await service.stop();
  });

  const result = await runClosedLoop(target, 10, { durationMs: 60_000, maxTransactions: 50, resetAfterReplies: 1 });

  assert.equal(result.completed, 50);
  // With no response, the default rules log every transaction.
  await waitFor(() => service.events.length === 50);
  assert.equal(service.events.filter((event) => event.http?.status_code !== undefined).length, 0);
});

test('holdOpen keeps transactions open until release', async (context) => {
  const service = await startTestService();
  const target = await LoadTarget.connect(service.service.grpcPort, 2, buildTransactions('headers'));
  context.after(async () => {
    target.close();
    await service.stop();
  });

  const holding = holdOpen(target, 30);
  assert.equal(await holding.allHeld, 30);
  assert.equal(await gaugeValue(service, 'streamsActive'), 30);

  const result = await holding.release();
  assert.equal(result.completed, 30);
  assert.equal(await waitForCompletedStreams(service, 30), 30);
});
