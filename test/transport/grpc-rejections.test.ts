// On --transport grpc-js, grpc-js rejects some requests itself, before any
// ctxproc handler runs. ctxproc must still count each one, by reason, in
// ctxproc_transport_rejections_total, as the http2 transport does.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { test } from 'node:test';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { startTestService, type TestService } from '../helpers/service-harness.js';

async function startGrpcJsService(t: { after(fn: () => unknown): void }): Promise<TestService> {
  const ctxproc = await startTestService({ transport: 'grpc-js' });
  t.after(() => ctxproc.stop());
  return ctxproc;
}

async function rejections(ctxproc: TestService, reason: string): Promise<number> {
  const values = (await ctxproc.service.metrics.transportRejections.get()).values;
  return values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

function unary(client: Client, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, (value: Buffer) => value, (bytes: Buffer) => bytes, Buffer.alloc(0), new Metadata(), (error: ServiceError | null, response?: Buffer) => {
      if (error) {
        reject(error);
      } else {
        resolve(response!);
      }
    });
  });
}

/** Sends one request on `session` and resolves with its HTTP status and grpc-status, if any. */
function statusOf(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<{ http: number; grpc: string | undefined }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    stream.on('response', (response) => resolve({ http: Number(response[':status']), grpc: response['grpc-status'] as string | undefined }));
    stream.on('error', reject);
    stream.resume();
    stream.end();
  });
}

test('grpc-js transport counts unknown methods', async (t) => {
  const ctxproc = await startGrpcJsService(t);
  const client = new Client(ctxproc.target, credentials.createInsecure());
  t.after(() => client.close());

  await assert.rejects(unary(client, '/shop.Orders/List'), (error: ServiceError) => {
    assert.equal(error.code, 12, 'UNIMPLEMENTED');
    return true;
  });
  await unary(client, '/grpc.health.v1.Health/Check');

  assert.equal(await rejections(ctxproc, 'unknown_method'), 1);
  assert.equal(await rejections(ctxproc, 'unsupported_request'), 0);
});

test('grpc-js transport counts requests that are not gRPC', async (t) => {
  const ctxproc = await startGrpcJsService(t);
  const session = http2.connect(`http://${ctxproc.target}`);
  t.after(() => session.close());

  const plain = await statusOf(session, { ':method': 'GET', ':path': PROCESS_METHOD_PATH });
  const json = await statusOf(session, { ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/json' });
  // grpc-js does not check :method, so only the content type and the path decide.
  const unknownMethod = await statusOf(session, { ':method': 'POST', ':path': '/shop.Orders/List', 'content-type': 'application/grpc' });
  const port = Number(ctxproc.target.slice(ctxproc.target.lastIndexOf(':') + 1));
  const http1 = net.connect(port, '127.0.0.1');
  http1.on('error', () => {});
  http1.end('GET / HTTP/1.1\r\nHost: ctxproc\r\n\r\n');
  for (let attempt = 0; attempt < 250 && (await rejections(ctxproc, 'connection_error')) === 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  http1.destroy();

  assert.equal(plain.http, 415);
  assert.equal(json.http, 415);
  assert.equal(unknownMethod.http, 200);
  assert.equal(unknownMethod.grpc, '12');
  assert.equal(await rejections(ctxproc, 'unsupported_request'), 2);
  assert.equal(await rejections(ctxproc, 'unknown_method'), 1);
  assert.equal(await rejections(ctxproc, 'connection_error'), 1);
});
