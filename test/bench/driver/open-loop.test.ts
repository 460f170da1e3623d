import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadTarget } from '../../../bench/driver/load.js';
import { runOpenLoop } from '../../../bench/driver/open-loop.js';
import { buildTransactions } from '../../../bench/driver/traffic.js';
import { waitForCompletedStreams } from '../../helpers/stream-counts.js';
import { startTestService } from '../../helpers/service-harness.js';

test('open loop records only the transactions due after the warm-up', async (context) => {
  const service = await startTestService();
  const target = await LoadTarget.connect(service.service.grpcPort, 2, buildTransactions('headers'));
  context.after(async () => {
    target.close();
    await service.stop();
  });

  // 400 per second: 40 transactions in the 100 ms warm-up, then 100 in the measured 250 ms.
  const result = await runOpenLoop(target, { ratePerSecond: 400, maxInFlight: 1000, warmupMs: 100, durationMs: 250, maxTransactions: 10_000 });

  assert.equal(result.completed + result.skipped, 100);
  assert.equal(result.failed, 0);
  // The server saw the warm-up too, so it completed all 140 streams.
  assert.equal(await waitForCompletedStreams(service, 140), 140);
  assert.ok(result.p99Ms >= result.p50Ms);
  assert.ok(result.fromSendP99Ms <= result.p99Ms + 0.001, 'latency from the send cannot exceed latency from the due time');
  assert.equal(result.p99BySliceMs.length, 10);
  assert.ok(result.p99BySliceMs.every((value) => value > 0));
});

test('open loop measures the driver itself', async (context) => {
  const service = await startTestService();
  const target = await LoadTarget.connect(service.service.grpcPort, 1, buildTransactions('buffered_body'));
  context.after(async () => {
    target.close();
    await service.stop();
  });

  const result = await runOpenLoop(target, { ratePerSecond: 200, maxInFlight: 1000, warmupMs: 0, durationMs: 250, maxTransactions: 10_000 });

  assert.equal(result.completed, 50);
  assert.ok(result.driver.cpuShare > 0, `driver CPU share ${result.driver.cpuShare}`);
  assert.ok(result.driver.cpuShare < 2, `driver CPU share ${result.driver.cpuShare}`);
  assert.ok(result.driver.runQueueWaitShare >= 0, `run-queue wait share ${result.driver.runQueueWaitShare}`);
  assert.ok(result.driver.loopDelayMaxMs > 0);
  assert.ok(result.sendLagMaxMs > 0);
});

test('open loop skips the transactions above the in-flight cap', async (context) => {
  const service = await startTestService();
  const target = await LoadTarget.connect(service.service.grpcPort, 1, buildTransactions('headers'));
  context.after(async () => {
    target.close();
    await service.stop();
  });

  // 20,000 per second for 50 ms: the first timer turn finds many due at once, above a cap of 1.
  const result = await runOpenLoop(target, { ratePerSecond: 20_000, maxInFlight: 1, warmupMs: 0, durationMs: 50, maxTransactions: 10_000 });

  assert.equal(result.completed + result.skipped + result.failed, 1000);
  assert.ok(result.skipped > 0, 'a cap of one transaction in flight skips some at 20,000 per second');
  assert.ok(result.completed > 0);
});
