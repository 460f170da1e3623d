// Envoy ends every ext_proc stream with RST_STREAM. Node's HTTP/2 server
// tears down a connection after 1000 resets in a burst plus 33 per second,
// unless the limit is raised. These tests drive reset-terminated
// transactions over one connection, as one Envoy worker does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { EnvoyClient, type TransactionResult } from '../../src/client/envoy-client.js';
import { decodeRequest, rawProcessService } from '../../src/protocol/codec.js';
import { emptyReply } from '../../src/session/replies.js';
import { applyResetLimit } from '../../src/transport/reset-limit.js';
import { startTestService } from '../helpers/service-harness.js';

// `npm test` runs a bounded count; `npm run stress:resets` sets
// CTXPROC_RESET_TRANSACTIONS=50000 for the full run.
const TRANSACTIONS = transactionCount(process.env.CTXPROC_RESET_TRANSACTIONS);

/** One Envoy worker keeps 64 streams in flight at moderate load and 500 under a burst. */
const IN_FLIGHT_LEVELS = [64, 500];

function transactionCount(text: string | undefined): number {
  if (text === undefined || text === '') {
    return 4000;
  }
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count <= 0) {
    throw new Error(`CTXPROC_RESET_TRANSACTIONS is "${text}"; expected a positive whole number`);
  }
  return count;
}

async function drive(target: string, inFlight = 64, closeMode: 'reset' | 'graceful' = 'reset'): Promise<TransactionResult[]> {
  // Envoy's 200 ms message timeout would make this a latency test on a
  // shared CPU: 500 streams in flight queue for longer than that. These tests
  // count resets, so the timeout only catches a stream that never gets a reply.
  const client = new EnvoyClient({ target, closeMode, connections: 1, messageTimeoutMs: 10_000 });
  const request = { method: 'GET', path: '/item', scheme: 'http', authority: 'shop.example', headers: [['x-request-id', 'r']] as Array<[string, string]> };
  const upstream = () => ({ status: 200, headers: [] as Array<[string, string]> });
  const results: TransactionResult[] = [];

  let next = 0;
  const worker = async () => {
    while (next < TRANSACTIONS) {
      next += 1;
      results.push(await client.run(request, upstream));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  client.close();
  return results;
}

function failures(results: TransactionResult[]): number {
  return results.filter((result) => result.protocolErrors.length > 0 || result.timedOut || result.localReply).length;
}

/** Counts failed transactions by cause, so a failing run shows whether resets, timeouts or statuses failed it. */
function failureCauses(results: TransactionResult[]): string {
  const causes = new Map<string, number>();
  for (const result of results) {
    let cause: string | null = null;
    if (result.timedOut) {
      cause = 'message timeout';
    } else if (result.grpcStatus) {
      cause = `gRPC status ${result.grpcStatus.code}: ${result.grpcStatus.details}`;
    } else if (result.protocolErrors.length > 0) {
      cause = result.protocolErrors[0]!;
    } else if (result.localReply) {
      cause = `local reply: ${result.responseCodeDetails}`;
    }
    if (cause !== null) {
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
    }
  }
  return JSON.stringify(Object.fromEntries(causes));
}

/** Starts a grpc-js server that replies to every message with an empty reply, optionally with the raised limit. */
async function startBareServer(raiseLimit: boolean): Promise<{ server: Server; target: string }> {
  const server = new Server();
  if (raiseLimit) {
    applyResetLimit(server, { burst: 1_000_000, ratePerSecond: 1_000_000 });
  }
  server.addService(rawProcessService, {
    Process: (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (bytes: Buffer) => call.write(emptyReply(decodeRequest(bytes).request!)));
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { server, target: `127.0.0.1:${port}` };
}

for (const inFlight of IN_FLIGHT_LEVELS) {
  test(`ctxproc survives ${TRANSACTIONS} resets at ${inFlight} in flight`, async () => {
    const ctxproc = await startTestService();
    const results = await drive(ctxproc.target, inFlight);
    const ends = await ctxproc.service.metrics.streamsTotal.get();
    await ctxproc.stop();

    assert.equal(results.length, TRANSACTIONS);
    assert.equal(failures(results), 0, failureCauses(results));
    assert.equal(results.filter((result) => result.streamEnd.how !== 'reset').length, 0, 'every stream ended with a reset');
    assert.equal(ends.values.find((value) => value.labels.end === 'completed')?.value, TRANSACTIONS, 'ctxproc counted every stream end as completed');
  });
}

test('half-closed streams all end with OK', async () => {
  const ctxproc = await startTestService();
  const results = await drive(ctxproc.target, 64, 'graceful');
  await ctxproc.stop();

  assert.equal(results.length, TRANSACTIONS);
  assert.equal(failures(results), 0, failureCauses(results));
  assert.equal(results.filter((result) => result.streamEnd.how !== 'half_close').length, 0, 'every stream ended with a half-close');
  assert.equal(results.filter((result) => result.streamEnd.status?.code !== 0).length, 0, 'every half-close got status OK');
});

test('without the raised limit resets drop transactions', async () => {
  const bare = await startBareServer(false);
  const results = await drive(bare.target);
  bare.server.forceShutdown();

  // This is the failure the adapter prevents; if Node's default ever stops
  // tearing sessions down, this control (and the adapter) can go.
  assert.ok(failures(results) > 0, 'Node accepted every reset with its default limit');
});

test('bare server with the raised limit loses nothing', async () => {
  const bare = await startBareServer(true);
  const results = await drive(bare.target);
  bare.server.forceShutdown();

  assert.equal(failures(results), 0, failureCauses(results));
});
