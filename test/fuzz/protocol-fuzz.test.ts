// A bounded slice of `npm run fuzz` for `npm test`: fixed-seed cases and the
// recorded regression seeds, played against an in-process ctxproc.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Client, credentials } from '@grpc/grpc-js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { startTestService, REPO_ROOT, type TestService } from '../helpers/service-harness.js';
import { buildCase, type CaseLimits } from './cases.js';
import { playCase, type Verdict } from './play.js';
import { caseSeed } from './random.js';

const SLICE_CASES = 400;
const SLICE_SEED = 20261204;
const CONCURRENCY = 32;
const HANG_TIMEOUT_MS = 10_000;
/** Long enough that only the client's own ends can close the streams within the test. */
const IDLE_TIMEOUT_MS = 300_000;
/** Time the server gets to see the last resets and half-closes arrive. */
const SETTLE_MS = 5000;

interface Regressions {
  maxMessageBytes: number;
  cases: Array<{ seed: number; found: string }>;
}

const regressions = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fuzz/regressions.json'), 'utf8')) as Regressions;
const limits: CaseLimits = { maxMessageBytes: regressions.maxMessageBytes };

async function playAll(target: string, seeds: number[]): Promise<Verdict[]> {
  const client = new Client(target, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  const verdicts: Verdict[] = [];
  let next = 0;
  const worker = async () => {
    while (next < seeds.length) {
      const seed = seeds[next]!;
      next += 1;
      verdicts.push(await playCase(client, buildCase(seed, limits), HANG_TIMEOUT_MS));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  client.close();
  return verdicts;
}

async function openStreams(ctxproc: TestService): Promise<number> {
  return (await ctxproc.service.metrics.streamsActive.get()).values[0]?.value ?? 0;
}

/** Waits until ctxproc has ended every stream, for at most SETTLE_MS; returns how many are still open. */
async function settledStreams(ctxproc: TestService): Promise<number> {
  const deadline = Date.now() + SETTLE_MS;
  while ((await openStreams(ctxproc)) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return openStreams(ctxproc);
}

test('fuzz cases end cleanly, server survives', async (t) => {
  // Every case ends its stream as a real client does (reset, half-close or
  // read to the end), so no stream may be left for the idle timeout to end.
  const ctxproc = await startTestService({ maxMessageBytes: limits.maxMessageBytes, streamIdleTimeoutMs: IDLE_TIMEOUT_MS });
  t.after(() => ctxproc.stop());
  const seeds = [...regressions.cases.map((entry) => entry.seed), ...Array.from({ length: SLICE_CASES }, (_, i) => caseSeed(SLICE_SEED, i))];

  const verdicts = await playAll(ctxproc.target, seeds);
  const stillOpen = await settledStreams(ctxproc);
  const envoy = new EnvoyClient({ target: ctxproc.target });
  const after = await envoy.run({ method: 'GET', path: '/after-fuzz', scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 200, headers: [] }));
  envoy.close();

  assert.equal(verdicts.length, seeds.length);
  assert.deepEqual(verdicts.filter((verdict) => !verdict.clean), []);
  assert.equal(stillOpen, 0, 'every stream the cases opened has ended on the server');
  assert.ok(verdicts.some((verdict) => verdict.outcome === 'ok'), 'some cases end with OK');
  assert.ok(verdicts.some((verdict) => verdict.outcome.startsWith('CTXPROC_PROTO_')), 'some cases break the protocol');
  assert.deepEqual(after.protocolErrors, []);
  assert.equal(after.downstreamResponse.status, 200);
});

test('fuzz case bytes depend only on the seed', () => {
  const first = buildCase(caseSeed(SLICE_SEED, 7), limits);
  const again = buildCase(caseSeed(SLICE_SEED, 7), limits);
  const other = buildCase(caseSeed(SLICE_SEED, 8), limits);

  assert.deepEqual(again.messages, first.messages);
  assert.deepEqual(again.mutations, first.mutations);
  assert.notDeepEqual(other.messages, first.messages);
});
