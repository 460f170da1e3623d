// A client that opens many streams and never reads the replies must not
// hold unbounded server state, nor keep other connections from being served.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, credentials, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { GET_HEADERS, requestHeaders } from '../helpers/raw-stream.js';
import { startTestService } from '../helpers/service-harness.js';
import { encodeRequest } from '../../src/protocol/codec.js';

const STREAM_CAP = 100;
const FLOOD_STREAMS = 400;
const IDLE_TIMEOUT_MS = 1000;

async function gauge(ctxproc: Awaited<ReturnType<typeof startTestService>>): Promise<number> {
  return (await ctxproc.service.metrics.streamsActive.get()).values[0]?.value ?? 0;
}

async function idleEnds(ctxproc: Awaited<ReturnType<typeof startTestService>>): Promise<number> {
  const values = (await ctxproc.service.metrics.streamsTotal.get()).values;
  return values.find((value) => value.labels.end === 'idle_timeout')?.value ?? 0;
}

/** Polls an async condition every 20 ms for at most `timeoutMs`. */
async function waitForAsync(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('stream flood is capped and timed out', async (t) => {
  const ctxproc = await startTestService({ maxStreamsPerConnection: STREAM_CAP, streamIdleTimeoutMs: IDLE_TIMEOUT_MS });
  t.after(() => ctxproc.stop());
  // Its own connection: the local subchannel pool keeps grpc-js from sharing one with the Envoy client.
  const flooder = new Client(ctxproc.target, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  t.after(() => flooder.close());

  const statuses: Array<Promise<number>> = [];
  const calls: Array<{ resume(): void }> = [];
  for (let i = 0; i < FLOOD_STREAMS; i += 1) {
    const call = flooder.makeBidiStreamRequest(PROCESS_METHOD_PATH, (value: Buffer) => value, (bytes: Buffer) => bytes, new Metadata());
    // No 'data' listener: the stream stays paused and reads no reply.
    statuses.push(new Promise((resolve) => {
      call.on('status', (status) => resolve(status.code));
      call.on('error', () => {});
    }));
    call.write(encodeRequest(requestHeaders(GET_HEADERS, false)));
    calls.push(call);
  }
  await waitForAsync(async () => (await gauge(ctxproc)) >= STREAM_CAP, 10_000);
  const openAtCap = await gauge(ctxproc);

  const envoy = new EnvoyClient({ target: ctxproc.target, messageTimeoutMs: 5000 });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    envoy.run({ method: 'GET', path: `/served/${i}`, scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 200, headers: [] }))));
  envoy.close();

  await waitForAsync(async () => (await idleEnds(ctxproc)) >= STREAM_CAP, 10_000);
  // grpc-js delivers a stream's status only after its messages are read.
  calls.forEach((call) => call.resume());
  const codes = await Promise.all(statuses);
  const idle = await idleEnds(ctxproc);
  const okCount = codes.filter((code) => code === GrpcStatus.OK).length;
  const rejected = codes.filter((code) => code === GrpcStatus.RESOURCE_EXHAUSTED || code === GrpcStatus.UNAVAILABLE).length;

  assert.ok(openAtCap <= STREAM_CAP + 50, `${openAtCap} streams open, the flooder's capped at ${STREAM_CAP}`);
  assert.deepEqual(results.filter((result) => result.protocolErrors.length > 0 || result.timedOut || result.localReply), []);
  // HTTP/2 rejects the streams that the client queued over the cap, with a
  // clean status. The ones ctxproc accepted end at the idle timeout with OK.
  assert.equal(okCount + rejected, FLOOD_STREAMS, `statuses: ${JSON.stringify(codes)}`);
  assert.equal(idle, okCount);
  assert.ok(idle >= STREAM_CAP, `${idle} streams ended idle`);
  assert.equal(await gauge(ctxproc), 0);
  assert.ok(ctxproc.events.some((event) => (event.ctxproc?.notes ?? []).some((note: string) => note.includes('carried no message for 1000 ms'))), 'an event notes the idle end');
});
