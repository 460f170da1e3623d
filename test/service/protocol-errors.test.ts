import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { status as GrpcStatus, type Client } from '@grpc/grpc-js';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { GET_HEADERS, openClient, openRawStream, requestHeaders, responseHeaders } from '../helpers/raw-stream.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

let ctxproc: TestService;
let client: Client;

before(async () => {
  ctxproc = await startTestService();
  client = openClient(ctxproc.target);
});

after(async () => {
  client.close();
  await ctxproc.stop();
});

async function protocolErrorCount(code: string): Promise<number> {
  const metric = await ctxproc.service.metrics.protocolErrors.get();
  return metric.values.find((value) => value.labels.code === code)?.value ?? 0;
}

async function expectViolation(send: (stream: ReturnType<typeof openRawStream>) => Promise<void> | void, code: string, grpcCode: GrpcStatus) {
  const before = await protocolErrorCount(code);
  const stream = openRawStream(client);

  await send(stream);
  const status = await stream.status;

  assert.equal(status.code, grpcCode, `status ${status.code}: ${status.details}`);
  assert.match(status.details, new RegExp(`^${code}: `));
  assert.equal(await protocolErrorCount(code), before + 1);
}

test('undecodable bytes end the stream', async () => {
  // Field 2 (request_headers) as a length-delimited field that claims 100 bytes but has 1.
  await expectViolation((stream) => stream.sendBytes(Buffer.from([0x12, 0x64, 0x00])), 'CTXPROC_PROTO_UNDECODABLE', GrpcStatus.INVALID_ARGUMENT);
});

test('message without a phase ends the stream', async () => {
  await expectViolation((stream) => stream.sendBytes(Buffer.alloc(0)), 'CTXPROC_PROTO_MISSING_PHASE', GrpcStatus.INVALID_ARGUMENT);
});

test('duplicate request headers end the stream', async () => {
  await expectViolation(async (stream) => {
    stream.send(requestHeaders(GET_HEADERS, false));
    await stream.nextReply();
    stream.send(requestHeaders(GET_HEADERS, false));
  }, 'CTXPROC_PROTO_DUPLICATE_PHASE', GrpcStatus.INVALID_ARGUMENT);
});

test('body after end-of-stream headers is out of order', async () => {
  await expectViolation(async (stream) => {
    stream.send(requestHeaders(GET_HEADERS, true));
    await stream.nextReply();
    stream.send({ request_body: { body: Buffer.from('late'), end_of_stream: true } });
  }, 'CTXPROC_PROTO_OUT_OF_ORDER', GrpcStatus.INVALID_ARGUMENT);
});

test('request headers after response headers are out of order', async () => {
  await expectViolation(async (stream) => {
    stream.send(responseHeaders([[':status', '200']], false));
    await stream.nextReply();
    stream.send(requestHeaders(GET_HEADERS, true));
  }, 'CTXPROC_PROTO_OUT_OF_ORDER', GrpcStatus.INVALID_ARGUMENT);
});

test('chunk after the last chunk is a duplicate', async () => {
  await expectViolation(async (stream) => {
    stream.send(requestHeaders(GET_HEADERS, false));
    await stream.nextReply();
    stream.send({ request_body: { body: Buffer.from('a'), end_of_stream: true } });
    await stream.nextReply();
    stream.send({ request_body: { body: Buffer.from('b'), end_of_stream: false } });
  }, 'CTXPROC_PROTO_DUPLICATE_PHASE', GrpcStatus.INVALID_ARGUMENT);
});

test('replies match the phase, in order', async () => {
  const stream = openRawStream(client);
  stream.send(requestHeaders(GET_HEADERS, false));
  stream.send({ request_body: { body: Buffer.from('{"a":1}'), end_of_stream: false } });
  stream.send({ request_trailers: { trailers: { headers: [{ key: 'x-checksum', raw_value: Buffer.from('1') }] } } });
  stream.send(responseHeaders([[':status', '200']], false));
  stream.send({ response_body: { body: Buffer.from('ok'), end_of_stream: true } });

  const kinds = [];
  for (let index = 0; index < 5; index += 1) {
    kinds.push((await stream.nextReply()).response);
  }
  stream.halfClose();
  const status = await stream.status;

  assert.deepEqual(kinds, ['request_headers', 'request_body', 'request_trailers', 'response_headers', 'response_body']);
  assert.equal(status.code, GrpcStatus.OK);
});

test('headers are written to raw_value only', async () => {
  const stream = openRawStream(client);
  stream.send(requestHeaders(GET_HEADERS.filter(([name]) => name !== 'x-request-id'), true));

  const reply = await stream.nextReply();
  stream.cancel();
  const set = reply.request_headers?.response?.header_mutation?.set_headers ?? [];
  const requestId = set.find((option) => option.header.key === 'x-request-id');

  assert.ok(requestId, 'x-request-id was not added');
  assert.equal(requestId.header.value ?? '', '');
  assert.match(Buffer.from(requestId.header.raw_value ?? []).toString(), /^[0-9a-f-]{36}$/);
});

test('observability mode gets no replies', async () => {
  const eventsBefore = ctxproc.events.length;
  const stream = openRawStream(client);
  stream.send({ ...requestHeaders(GET_HEADERS, true), observability_mode: true });
  stream.send({ ...responseHeaders([[':status', '503']], true), observability_mode: true });
  await waitFor(() => ctxproc.events.length > eventsBefore);
  stream.halfClose();
  const status = await stream.status;

  assert.equal(status.code, GrpcStatus.OK);
  assert.equal(stream.replies.length, 0);
  assert.equal(ctxproc.events.at(-1)?.http?.status_code, 503);
});

test('half-close ends the stream OK at once', async () => {
  const stream = openRawStream(client);
  stream.send(requestHeaders(GET_HEADERS, true));
  await stream.nextReply();
  const started = Date.now();
  stream.halfClose();
  const status = await stream.status;

  assert.equal(status.code, GrpcStatus.OK);
  assert.ok(Date.now() - started < 500, 'server did not end the half-closed stream promptly');
});

test('cancelled stream still writes its event', async () => {
  const eventsBefore = ctxproc.events.length;
  const stream = openRawStream(client);
  stream.send(requestHeaders([...GET_HEADERS.filter(([name]) => name !== 'x-request-id'), ['x-request-id', 'cancelled-early']], true));
  await stream.nextReply();
  stream.cancel();
  await waitFor(() => ctxproc.events.length > eventsBefore);

  const event = ctxproc.events.at(-1)!;
  assert.equal(event.http.request_id, 'cancelled-early');
  assert.equal(event.http.status_code, undefined);
  assert.equal(event.ctxproc.stream_end, 'completed');
});

test('violations leave other streams unaffected', async () => {
  const envoy = new EnvoyClient({ target: ctxproc.target });
  const upstream = () => ({ status: 200, headers: [['content-type', 'text/plain']] as Array<[string, string]>, body: Buffer.from('fine') });
  const request = { method: 'GET', path: '/healthy', scheme: 'http', authority: 'shop.example', headers: [['user-agent', 'good']] as Array<[string, string]> };

  const bad = Array.from({ length: 20 }, (_, index) => {
    const stream = openRawStream(client);
    stream.sendBytes(index % 2 === 0 ? Buffer.from([0xff, 0xff, 0xff]) : Buffer.alloc(0));
    return stream.status;
  });
  const good = Array.from({ length: 20 }, () => envoy.run(request, upstream));
  const [badStatuses, goodResults] = await Promise.all([Promise.all(bad), Promise.all(good)]);
  envoy.close();

  assert.ok(badStatuses.every((status) => status.code === GrpcStatus.INVALID_ARGUMENT));
  for (const result of goodResults) {
    assert.deepEqual(result.protocolErrors, []);
    assert.equal(result.downstreamResponse.status, 200);
  }
});
