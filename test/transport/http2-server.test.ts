// The lean transport must look like grpc-js to Envoy: the same replies,
// statuses, health check and reset handling.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { LoadTarget, runClosedLoop } from '../../bench/driver/load.js';
import { buildTransactions } from '../../bench/driver/traffic.js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { startTransport } from '../../src/transport/transport.js';
import { decodeResponse, encodeRequest, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { GET_HEADERS, openClient, openRawStream, requestHeaders } from '../helpers/raw-stream.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

const LIMIT = 64 * 1024;

function unary(client: Client, path: string, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, (value: Buffer) => value, (bytes: Buffer) => bytes, request, new Metadata(), (error: ServiceError | null, response?: Buffer) => {
      if (error) {
        reject(error);
      } else {
        resolve(response!);
      }
    });
  });
}

async function startHttp2Service(t: { after(fn: () => unknown): void }, maxMessageBytes?: number): Promise<TestService> {
  const ctxproc = await startTestService({ transport: 'http2', ...(maxMessageBytes ? { maxMessageBytes } : {}) });
  t.after(() => ctxproc.stop());
  return ctxproc;
}

test('http2 transport runs a whole transaction', async (t) => {
  const ctxproc = await startHttp2Service(t);
  const client = new EnvoyClient({ target: ctxproc.target, closeMode: 'reset' });
  t.after(() => client.close());

  const result = await client.run({ method: 'GET', path: '/missing', scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 404, headers: [] }));

  assert.deepEqual(result.protocolErrors, []);
  assert.equal(result.timedOut, false);
  assert.equal(result.downstreamResponse.status, 404);
  assert.ok(result.upstreamRequest?.headers.some(([name]) => name === 'x-request-id'), 'the add-request-id mutation reached the upstream');
  await waitFor(() => ctxproc.events.length === 1);
  assert.equal(ctxproc.events[0]!.http.status_code, 404);
});

test('http2 transport ends a bad stream with its status', async (t) => {
  const ctxproc = await startHttp2Service(t);
  const client = openClient(ctxproc.target);
  t.after(() => client.close());
  const stream = openRawStream(client);

  stream.sendBytes(Buffer.from([0xff, 0xff, 0xff]));
  const status = await stream.status;

  assert.equal(status.code, 3, 'INVALID_ARGUMENT');
  assert.match(status.details, /^CTXPROC_PROTO_UNDECODABLE: /);
});

test('http2 transport ends half-closed streams OK', async (t) => {
  const ctxproc = await startHttp2Service(t);
  const client = openClient(ctxproc.target);
  t.after(() => client.close());
  const stream = openRawStream(client);

  stream.send({ request_headers: { headers: { headers: [{ key: ':path', raw_value: Buffer.from('/') }] }, end_of_stream: true } });
  const reply = await stream.nextReply();
  stream.halfClose();

  assert.ok(reply.request_headers, 'the reply matches the request_headers phase');
  assert.equal((await stream.status).code, 0);
});

test('http2 transport rejects unknown methods', async (t) => {
  const ctxproc = await startHttp2Service(t);
  const client = new Client(ctxproc.target, credentials.createInsecure());
  t.after(() => client.close());

  await assert.rejects(unary(client, '/shop.Orders/List', Buffer.alloc(0)), (error: ServiceError) => {
    assert.equal(error.code, 12, 'UNIMPLEMENTED');
    return true;
  });
  assert.equal((await ctxproc.service.metrics.transportRejections.get()).values.find((value) => value.labels.reason === 'unknown_method')?.value, 1);
});

test('http2 transport counts requests that are not gRPC', async (t) => {
  const ctxproc = await startHttp2Service(t);
  const session = http2.connect(`http://${ctxproc.target}`);
  t.after(() => session.close());

  const statusOf = (headers: http2.OutgoingHttpHeaders): Promise<number> => new Promise<number>((resolve, reject) => {
    const stream = session.request({ ':path': PROCESS_METHOD_PATH, ...headers });
    stream.on('response', (response) => resolve(Number(response[':status'])));
    stream.on('error', reject);
    stream.end();
  });
  const status = await statusOf({ ':method': 'GET' });
  const lookalike = await statusOf({ ':method': 'POST', 'content-type': 'application/grpcx' });
  const [host, port] = [ctxproc.target.slice(0, ctxproc.target.lastIndexOf(':')), Number(ctxproc.target.slice(ctxproc.target.lastIndexOf(':') + 1))];
  const http1 = net.connect(port, host);
  http1.on('error', () => {});
  http1.end('GET / HTTP/1.1\r\nHost: ctxproc\r\n\r\n');
  const rejections = async (reason: string): Promise<number> => (await ctxproc.service.metrics.transportRejections.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
  for (let attempt = 0; attempt < 250 && (await rejections('connection_error')) === 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  http1.destroy();

  assert.equal(status, 415);
  assert.equal(lookalike, 415);
  assert.equal(await rejections('unsupported_request'), 2);
  assert.equal(await rejections('connection_error'), 1);
});

test('http2 transport serves the health check', async (t) => {
  const transport = await startTransport('http2', {
    address: '127.0.0.1:0',
    maxMessageBytes: LIMIT,
    maxStreamsPerConnection: 2000,
    resetLimit: { burst: 1000, ratePerSecond: 1000 },
    handler: () => {},
  });
  t.after(() => new Promise<void>((resolve) => transport.tryShutdown(resolve)));
  const client = new Client(`127.0.0.1:${transport.port}`, credentials.createInsecure());
  t.after(() => client.close());
  const check = (service: string) => unary(client, '/grpc.health.v1.Health/Check', service === '' ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service)]));

  // HealthCheckResponse { status: NOT_SERVING (2) }, then SERVING (1).
  assert.deepEqual([...await check('')], [0x08, 2]);
  transport.setServing(true);
  assert.deepEqual([...await check('')], [0x08, 1]);
  assert.deepEqual([...await check('envoy.service.ext_proc.v3.ExternalProcessor')], [0x08, 1]);
  await assert.rejects(check('shop.Orders'), (error: ServiceError) => {
    assert.equal(error.code, 5, 'NOT_FOUND');
    return true;
  });
});

test('http2 transport completes reset streams', async (t) => {
  const ctxproc = await startHttp2Service(t);
  const target = await LoadTarget.connect(ctxproc.service.grpcPort, 2, buildTransactions('headers'));
  t.after(() => target.close());

  const result = await runClosedLoop(target, 16, { durationMs: 60_000, maxTransactions: 2000, resetAfterReplies: 1 });

  assert.equal(result.completed, 2000);
  assert.equal(result.failed, 0);
  // Reset before the response, every transaction is logged.
  await waitFor(() => ctxproc.events.length === 2000, 10_000);
});

test('http2 transport joins a message split across frames', async (t) => {
  const ctxproc = await startHttp2Service(t);
  const session = http2.connect(`http://${ctxproc.target}`);
  t.after(() => session.close());
  const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  const replies: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => replies.push(chunk));
  const message = encodeRequest(requestHeaders(GET_HEADERS, false));
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), message]);
  framed.writeUInt32BE(message.length, 1);

  // The prefix itself is split, then the body; each piece goes out after a
  // timer, so each arrives in its own DATA frame.
  for (const [start, end] of [[0, 3], [3, 7], [7, 20], [20, framed.length]] as const) {
    stream.write(framed.subarray(start, end));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await waitFor(() => Buffer.concat(replies).length >= 5 && Buffer.concat(replies).length >= 5 + Buffer.concat(replies).readUInt32BE(1));
  stream.close(http2.constants.NGHTTP2_CANCEL);

  const reply = Buffer.concat(replies);
  const decoded = decodeResponse(reply.subarray(5, 5 + reply.readUInt32BE(1)));
  assert.ok(decoded.request_headers, 'the reply answers request_headers');
});

test('http2 transport listens on a Unix socket', async (t) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-http2-socket-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const address = `unix:${path.join(directory, 'grpc.sock')}`;
  const ctxproc = await startTestService({ transport: 'http2', listen: address });
  t.after(() => ctxproc.stop());
  // A generous message timeout: this test checks the socket, not speed, and the suite runs two files at once.
  const client = new EnvoyClient({ target: address, closeMode: 'reset', messageTimeoutMs: 10_000 });
  t.after(() => client.close());

  const result = await client.run({ method: 'GET', path: '/missing', scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 404, headers: [] }));

  assert.deepEqual(result.protocolErrors, []);
  assert.equal(result.downstreamResponse.status, 404);
});
