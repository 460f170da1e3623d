import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { transportMessageCap } from '../../src/transport/grpc-server.js';
import { startTestService, waitFor } from '../helpers/service-harness.js';

const LIMIT = 64 * 1024;

for (const transport of ['http2', 'grpc-js'] as const) {
  for (const size of [LIMIT + 1024, transportMessageCap(LIMIT) + 1024]) {
    test(`${transport}: ${size}-byte message rejected, others go on`, async (t) => {
      const ctxproc = await startTestService({ maxMessageBytes: LIMIT, transport });
      t.after(() => ctxproc.stop());
      // A generous message timeout: the test checks the rejection, not speed, and the suite runs two files at once.
      const client = new EnvoyClient({ target: ctxproc.target, processingMode: { request_body_mode: 'BUFFERED' }, bufferLimitBytes: 8 * 1024 * 1024, messageTimeoutMs: 10_000 });
      t.after(() => client.close());

      const result = await client.run(
        { method: 'POST', path: '/upload', scheme: 'http', authority: 'shop.example', headers: [['content-type', 'application/octet-stream']], body: Buffer.alloc(size, 7) },
        () => ({ status: 200, headers: [] }),
      );
      const healthy = await client.run({ method: 'GET', path: '/after', scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status: 200, headers: [] }));

      assert.equal(result.grpcStatus?.code, 8, 'RESOURCE_EXHAUSTED');
      assert.equal(result.downstreamResponse.status, 500);
      assert.deepEqual(healthy.protocolErrors, []);
      assert.equal(healthy.downstreamResponse.status, 200);
    });
  }
}

test('message over the limit is counted and logged', async (t) => {
  const ctxproc = await startTestService({ maxMessageBytes: LIMIT });
  t.after(() => ctxproc.stop());
  const client = new EnvoyClient({ target: ctxproc.target, processingMode: { request_body_mode: 'BUFFERED' }, bufferLimitBytes: 8 * 1024 * 1024 });
  t.after(() => client.close());

  await client.run(
    { method: 'POST', path: '/upload', scheme: 'http', authority: 'shop.example', headers: [['content-type', 'application/octet-stream']], body: Buffer.alloc(LIMIT * 1.5, 7) },
    () => ({ status: 200, headers: [] }),
  );
  await waitFor(() => ctxproc.logs.some((line) => line.error_code === 'CTXPROC_PROTO_TOO_LARGE'));
  const metric = await ctxproc.service.metrics.protocolErrors.get();

  assert.equal(metric.values.find((value) => value.labels.code === 'CTXPROC_PROTO_TOO_LARGE')?.value, 1);
});

test('headers over the limit are skipped and noted', async (t) => {
  const ctxproc = await startTestService({ maxHeaders: 50 });
  t.after(() => ctxproc.stop());
  const client = new EnvoyClient({ target: ctxproc.target, maxHeadersCount: 20_000, maxHeadersKb: 8192 });
  t.after(() => client.close());
  const headers = Array.from({ length: 10_000 }, (_, i) => [`x-h${i}`, `v${i}`] as [string, string]);

  const result = await client.run({ method: 'GET', path: '/many', scheme: 'http', authority: 'shop.example', headers }, () => ({ status: 404, headers: [] }));
  await waitFor(() => ctxproc.events.length === 1);
  const skips = await ctxproc.service.metrics.headerSkips.get();

  assert.deepEqual(result.protocolErrors, []);
  assert.equal(result.downstreamResponse.status, 404);
  assert.ok(ctxproc.events[0]!.ctxproc.notes.includes('request_headers carried 10004 headers; rules and the event saw only the first 50 (--max-headers)'), JSON.stringify(ctxproc.events[0]!.ctxproc.notes));
  assert.equal(skips.values.find((value) => value.labels.section === 'request_headers')?.value, 1);
  assert.equal(skips.values.find((value) => value.labels.section === 'response_headers'), undefined);
});
