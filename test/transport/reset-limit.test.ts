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

const TRANSACTIONS = 4000;
const IN_FLIGHT = 64;

async function drive(target: string): Promise<TransactionResult[]> {
  const client = new EnvoyClient({ target, closeMode: 'reset', connections: 1 });
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
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  client.close();
  return results;
}

function failures(results: TransactionResult[]): number {
  return results.filter((result) => result.protocolErrors.length > 0 || result.timedOut || result.localReply).length;
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

test('ctxproc loses no transaction to stream resets', async () => {
  const ctxproc = await startTestService();
  const results = await drive(ctxproc.target);
  await ctxproc.stop();

  assert.equal(results.length, TRANSACTIONS);
  assert.equal(failures(results), 0);
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

  assert.equal(failures(results), 0);
});
