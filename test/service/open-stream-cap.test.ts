// --max-open-streams bounds the transactions ctxproc keeps open across all its
// connections: streams past it end at once with CTXPROC_STREAMS_EXHAUSTED,
// are counted, and the ones already open are served as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { TRANSPORTS } from '../../src/transport/transport.js';
import { GET_HEADERS, openRawStream, requestHeaders, type RawStream } from '../helpers/raw-stream.js';
import { startTestService, waitFor } from '../helpers/service-harness.js';

const CAP = 12;
const PER_CONNECTION = 8;

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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no status within ${ms} ms: the stream over the cap was not rejected`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

for (const transport of TRANSPORTS) {
  test(`streams over --max-open-streams rejected (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport, maxOpenStreams: CAP });
    t.after(() => ctxproc.stop());
    const clients = [connect(ctxproc.target), connect(ctxproc.target)];
    t.after(() => clients.forEach((client) => client.close()));

    const held: RawStream[] = [];
    for (let i = 0; i < CAP; i += 1) {
      held.push(await openHeld(clients[i < PER_CONNECTION ? 0 : 1]!));
    }
    const rejected = [openRawStream(clients[0]!), openRawStream(clients[1]!)];
    rejected.forEach((stream) => stream.send(requestHeaders(GET_HEADERS, false)));
    const rejectedStatuses = await Promise.all(rejected.map((stream) => withTimeout(stream.status, 5000)));
    const rejectedCount = (await ctxproc.service.metrics.streamsRejected.get()).values[0]?.value;
    const openAtCap = (await ctxproc.service.metrics.streamsActive.get()).values[0]?.value;

    held.forEach((stream) => stream.halfClose());
    const heldStatuses = await Promise.all(held.map((stream) => stream.status));
    const envoy = new EnvoyClient({ target: ctxproc.target });
    const after = await envoy.run({ method: 'GET', path: '/after', scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 200, headers: [] }));
    envoy.close();
    await waitFor(() => ctxproc.logs.some((line) => line.error_code === 'CTXPROC_STREAMS_EXHAUSTED'));

    for (const status of rejectedStatuses) {
      assert.equal(status.code, GrpcStatus.RESOURCE_EXHAUSTED);
      assert.match(status.details, /^CTXPROC_STREAMS_EXHAUSTED: 12 ext_proc streams are open/);
    }
    assert.equal(rejectedCount, 2);
    assert.equal(openAtCap, CAP);
    assert.deepEqual(heldStatuses.map((status) => status.code), Array(CAP).fill(GrpcStatus.OK));
    assert.deepEqual(after.protocolErrors, []);
    assert.equal(after.downstreamResponse.status, 200);
  });
}
