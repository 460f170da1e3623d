// --max-open-streams bounds the transactions ctxproc keeps open across all
// its connections, fairly: at the limit only the connection holding the most
// streams is rejected, so a client that hogs streams cannot have another
// client's streams rejected. Twice the limit is the hard bound for all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, credentials, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { TRANSPORTS } from '../../src/transport/transport.js';
import { GET_HEADERS, openRawStream, requestHeaders, type RawStream } from '../helpers/raw-stream.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

const CAP = 12;
const HOG_EXTRA_STREAMS = 3;
const ENVOY_TRANSACTIONS = 5;

function connect(target: string): Client {
  // Its own connection each: the local subchannel pool keeps grpc-js from sharing one.
  return new Client(target, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
}

/** Opens a stream and waits for its reply to request headers, so it is surely open on the server. */
async function openHeld(client: Client): Promise<RawStream> {
  const stream = openRawStream(client);
  stream.send(requestHeaders(GET_HEADERS, false));
  await stream.nextReply(5000);
  return stream;
}

async function openManyHeld(client: Client, count: number): Promise<RawStream[]> {
  const held: RawStream[] = [];
  for (let i = 0; i < count; i += 1) {
    held.push(await openHeld(client));
  }
  return held;
}

/** Opens `count` streams that ctxproc should reject, and returns their statuses. */
function openRejected(client: Client, count: number): Promise<StatusObject[]> {
  const streams = Array.from({ length: count }, () => openRawStream(client));
  streams.forEach((stream) => stream.send(requestHeaders(GET_HEADERS, false)));
  return Promise.all(streams.map((stream) => withTimeout(stream.status, 5000)));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no status within ${ms} ms: the stream over the cap was not rejected`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function rejectedBy(ctxproc: TestService, limit: string): Promise<number> {
  const values = (await ctxproc.service.metrics.streamsRejected.get()).values;
  return values.find((value) => value.labels.limit === limit)?.value ?? 0;
}

async function openNow(ctxproc: TestService): Promise<number> {
  return (await ctxproc.service.metrics.streamsActive.get()).values[0]?.value ?? 0;
}

function rejectionLines(ctxproc: TestService, limit: string): Array<Record<string, any>> {
  return ctxproc.logs.filter((line) => line.error_code === 'CTXPROC_STREAMS_EXHAUSTED' && line.limit === limit);
}

async function runEnvoyTransactions(target: string): Promise<Array<Awaited<ReturnType<EnvoyClient['run']>>>> {
  const envoy = new EnvoyClient({ target, messageTimeoutMs: 5000 });
  try {
    return await Promise.all(Array.from({ length: ENVOY_TRANSACTIONS }, (_, i) =>
      envoy.run({ method: 'GET', path: `/served/${i}`, scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 200, headers: [] }))));
  } finally {
    envoy.close();
  }
}

for (const transport of TRANSPORTS) {
  test(`hog at --max-open-streams leaves others served (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport, maxOpenStreams: CAP });
    t.after(() => ctxproc.stop());
    const hog = connect(ctxproc.target);
    const other = connect(ctxproc.target);
    const late = connect(ctxproc.target);
    t.after(() => [hog, other, late].forEach((client) => client.close()));

    const hogStreams = await openManyHeld(hog, CAP);
    const hogRejected = await openRejected(hog, HOG_EXTRA_STREAMS);
    const envoyResults = await runEnvoyTransactions(ctxproc.target);
    const otherStreams = await openManyHeld(other, CAP);
    const openAtHardLimit = await openNow(ctxproc);
    const lateRejected = await openRejected(late, 1);
    await waitFor(() => rejectionLines(ctxproc, 'hard_limit').length > 0);

    for (const status of hogRejected) {
      assert.equal(status.code, GrpcStatus.RESOURCE_EXHAUSTED);
      assert.match(status.details, /^CTXPROC_STREAMS_EXHAUSTED: 12 ext_proc streams are open across all connections, at least --max-open-streams \(12\), and this connection holds 12 of them/);
    }
    assert.deepEqual(envoyResults.map((result) => result.protocolErrors), Array(ENVOY_TRANSACTIONS).fill([]));
    assert.deepEqual(envoyResults.map((result) => result.downstreamResponse.status), Array(ENVOY_TRANSACTIONS).fill(200));
    assert.equal(openAtHardLimit, 2 * CAP);
    assert.equal(lateRejected[0]?.code, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.match(lateRejected[0]?.details ?? '', /^CTXPROC_STREAMS_EXHAUSTED: 24 ext_proc streams are open across all connections, the hard limit of twice --max-open-streams \(12\)/);
    assert.equal(await rejectedBy(ctxproc, 'largest_connection'), HOG_EXTRA_STREAMS);
    assert.equal(await rejectedBy(ctxproc, 'hard_limit'), 1);

    // One line for the hog's three rejections, naming its address.
    const hogLines = rejectionLines(ctxproc, 'largest_connection');
    const lateLines = rejectionLines(ctxproc, 'hard_limit');
    assert.equal(hogLines.length, 1);
    assert.match(hogLines[0]?.peer, /^127\.0\.0\.1:\d+$/);
    assert.equal(hogLines[0]?.connection_streams, CAP);
    assert.match(hogLines[0]?.hint, new RegExp(`the connection from ${hogLines[0]?.peer}`));
    assert.match(hogLines[0]?.message, new RegExp(`^ext_proc stream from ${hogLines[0]?.peer} rejected`));
    assert.equal(lateLines.length, 1);
    assert.match(lateLines[0]?.peer, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(lateLines[0]?.peer, hogLines[0]?.peer);
    assert.equal(lateLines[0]?.suppressed, HOG_EXTRA_STREAMS - 1);

    // The held streams were served all along and end with OK.
    const held = [...hogStreams, ...otherStreams];
    held.forEach((stream) => stream.halfClose());
    const heldStatuses = await Promise.all(held.map((stream) => stream.status));
    assert.deepEqual(heldStatuses.map((status) => status.code), Array(2 * CAP).fill(GrpcStatus.OK));
  });
}
