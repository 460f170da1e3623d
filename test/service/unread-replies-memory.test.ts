// Streams whose client sends many small messages and reads no reply must cost
// ctxproc little memory each while they are paused, other clients must be
// served meanwhile, and once the replies waiting for clients pass
// --max-unsent-reply-bytes, new streams of the connection with those replies
// must be rejected with a clear status while other connections are served.
// The client runs in a child process (test/helpers/unread-replies-client.ts),
// so its own buffers stay out of the figures.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { MESSAGE_PREFIX_BYTES } from '../../src/transport/grpc-status.js';
import { TRANSPORTS } from '../../src/transport/transport.js';
import { REPO_ROOT, startTestService, type TestService } from '../helpers/service-harness.js';

const STREAMS = 10;
/** Body chunks per stream, far more than a stream reads before it pauses (under 1,000 in measured runs). */
const CHUNKS = 2000;
/** Bytes per body chunk. Small chunks make small replies, the case where each queued reply cost most. */
const CHUNK_BYTES = 16;
/** The client's receive window for replies, in bytes. */
const CLIENT_WINDOW_BYTES = 4096;
/**
 * Memory one paused stream may keep, external to the V8 heap. It covers the
 * stream's HTTP/2 receive window of request bytes that Node keeps (64 KiB,
 * twice over in the stream's read buffer), the unsent replies (at most
 * 64 KiB or 64 writes) and the kept body. Before the bound on unsent
 * writes, a paused stream kept about 38 MB in this test's setup.
 */
const BOUND_PER_STREAM_BYTES = 512 * 1024;
/**
 * --max-unsent-reply-bytes in the budget test. It is small because grpc-js
 * pauses a stream once 16 replies wait in its call's buffer (an object-mode
 * highWaterMark), and a reply to a body chunk is 7 bytes on the wire.
 */
const BUDGET_BYTES = 64;
const WAIT_MS = 30_000;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

async function externalAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().external;
}

async function bodyMessages(ctxproc: TestService): Promise<number> {
  const values = (await ctxproc.service.metrics.phaseMessages.get()).values;
  return values.find((value) => value.labels.phase === 'request_body')?.value ?? 0;
}

async function gaugeValue(metric: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}

/** Polls an async condition every 100 ms for at most WAIT_MS. */
async function waitForAsync(predicate: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${WAIT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `streams` streams are paused and ctxproc read no message between two polls; returns the messages read. */
async function settledPause(ctxproc: TestService, streams: number): Promise<number> {
  let previous = -1;
  await waitForAsync(async () => {
    const processed = await bodyMessages(ctxproc);
    const settled = processed === previous && (await gaugeValue(ctxproc.service.metrics.streamsPaused)) === streams;
    previous = processed;
    return settled;
  }, `a lasting pause of ${streams} streams`);
  return previous;
}

interface UnreadClient {
  /** Makes the client read every reply; resolves with what it read. */
  readAll(): Promise<{ replies: number; statuses: string[] }>;
  /** Makes the client open one more stream on its connection; resolves with how that stream ended. */
  openOneMore(): Promise<{ status: string; details: string }>;
}

/** Starts the client that reads no reply and waits until it has queued every chunk. */
async function startUnreadClient(t: TestContext, ctxproc: TestService, streams: number, { chunks = CHUNKS, windowBytes = CLIENT_WINDOW_BYTES, respond = false } = {}): Promise<UnreadClient> {
  const script = path.join(REPO_ROOT, 'dist/test/helpers/unread-replies-client.js');
  const args = [script, ctxproc.target, String(streams), String(chunks), String(CHUNK_BYTES), String(windowBytes), ...(respond ? ['respond'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(async () => {
    if (child.exitCode === null) {
      child.stdin.write('close\n');
      await once(child, 'exit');
    }
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'sent');

  const ask = async <T>(command: string): Promise<T> => {
    child.stdin.write(`${command}\n`);
    return JSON.parse((await lines.next()).value as string) as T;
  };
  return {
    readAll: () => ask('read'),
    openOneMore: () => ask('open'),
  };
}

for (const transport of TRANSPORTS) {
  test(`paused streams keep bounded memory (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport });
    t.after(() => ctxproc.stop());
    const before = await externalAfterGc();

    const client = await startUnreadClient(t, ctxproc, STREAMS);
    const readAtPause = await settledPause(ctxproc, STREAMS);
    const perStream = ((await externalAfterGc()) - before) / STREAMS;
    t.diagnostic(`${transport}: ${Math.round(readAtPause / STREAMS)} chunks read per stream before the pause, ${Math.round(perStream / 1024)} KiB external memory per paused stream`);

    assert.ok(readAtPause < (STREAMS * CHUNKS) / 2, `ctxproc read ${readAtPause} of ${STREAMS * CHUNKS} chunks before the streams paused`);
    assert.ok(perStream < BOUND_PER_STREAM_BYTES, `each paused stream keeps ${Math.round(perStream / 1024)} KiB; expected under ${BOUND_PER_STREAM_BYTES / 1024} KiB`);

    const envoy = new EnvoyClient({ target: ctxproc.target, messageTimeoutMs: 10_000 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      envoy.run({ method: 'GET', path: `/served/${i}`, scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 200, headers: [] }))));
    envoy.close();
    assert.deepEqual(results.filter((result) => result.protocolErrors.length > 0 || result.timedOut || result.localReply), []);
    assert.deepEqual(results.map((result) => result.downstreamResponse.status), Array(20).fill(200));

    const read = await client.readAll();
    assert.equal(read.replies, STREAMS * (CHUNKS + 1));
    assert.deepEqual(read.statuses, Array(STREAMS).fill('0'));
    assert.equal(await bodyMessages(ctxproc), STREAMS * CHUNKS);
    assert.equal(await gaugeValue(ctxproc.service.metrics.streamsPaused), 0);
    assert.equal(await gaugeValue(ctxproc.service.metrics.unsentReplyBytes), 0);
  });

  test(`spent reply budget rejects the holding connection (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport, maxUnsentReplyBytes: BUDGET_BYTES });
    t.after(() => ctxproc.stop());

    const client = await startUnreadClient(t, ctxproc, 1);
    await settledPause(ctxproc, 1);
    const unsent = await gaugeValue(ctxproc.service.metrics.unsentReplyBytes);
    assert.ok(unsent > BUDGET_BYTES, `${unsent} reply bytes unsent, expected over the budget of ${BUDGET_BYTES}`);

    const rejected = await client.openOneMore();
    assert.equal(rejected.status, String(GrpcStatus.RESOURCE_EXHAUSTED));
    assert.match(rejected.details, /^CTXPROC_REPLY_BUDGET_EXHAUSTED: .* of them are this connection's/);
    assert.equal(await gaugeValue(ctxproc.service.metrics.replyBudgetRejections), 1);

    const otherConnection = new EnvoyClient({ target: ctxproc.target, messageTimeoutMs: 10_000 });
    const meanwhile = await otherConnection.run({ method: 'GET', path: '/meanwhile', scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 200, headers: [] }));
    otherConnection.close();
    assert.equal(meanwhile.downstreamResponse.status, 200);
    assert.equal(meanwhile.grpcStatus, null);
    assert.equal(await gaugeValue(ctxproc.service.metrics.replyBudgetRejections), 1);

    const read = await client.readAll();
    assert.deepEqual(read.statuses, ['0']);
    assert.equal(await gaugeValue(ctxproc.service.metrics.unsentReplyBytes), 0);

    const servedAgain = await client.openOneMore();
    assert.equal(servedAgain.status, '0');
  });

  test(`replies of ended streams that the client never reads stay counted (${transport})`, { skip: transport === 'grpc-js' ? 'grpc-js does not tell when a stream with unread replies closes' : false }, async (t) => {
    const ctxproc = await startTestService({ transport });
    t.after(() => ctxproc.stop());

    // A receive window of 0: no reply can leave. Each stream sends request
    // and response headers, which completes its transaction, and half-closes.
    const client = await startUnreadClient(t, ctxproc, 20, { chunks: 0, windowBytes: 0, respond: true });
    await waitForAsync(async () => (await streamsEnded(ctxproc)) === 20, 'the end of 20 streams');
    assert.equal(await gaugeValue(ctxproc.service.metrics.streamsActive), 0);
    const unsent = await gaugeValue(ctxproc.service.metrics.unsentReplyBytes);
    assert.ok(unsent >= 20 * 2 * MESSAGE_PREFIX_BYTES, `${unsent} unsent reply bytes counted after the streams ended; expected their two replies each`);

    const read = await client.readAll();
    assert.deepEqual(read.statuses, Array(20).fill('0'));
    await waitForAsync(async () => (await gaugeValue(ctxproc.service.metrics.unsentReplyBytes)) === 0, 'the release of the read replies');
  });
}

async function streamsEnded(ctxproc: TestService): Promise<number> {
  const values = (await ctxproc.service.metrics.streamsTotal.get()).values;
  return values.reduce((sum, value) => sum + value.value, 0);
}
