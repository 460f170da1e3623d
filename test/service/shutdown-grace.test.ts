// A stream still open when the shutdown grace period ends is cut by
// ctxproc, not ended by Envoy, so its event must not read as completed.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { encodeRequest, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { frameMessage } from '../../src/transport/grpc-status.js';
import { GET_HEADERS, requestHeaders } from '../helpers/raw-stream.js';
import { startTestService } from '../helpers/service-harness.js';

/** Opens a Process stream, sends request headers without ending the stream, and resolves once ctxproc replied. */
function holdStream(target: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`http://${target}`);
  session.on('error', () => {});
  const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
  stream.write(frameMessage(encodeRequest(requestHeaders(GET_HEADERS, false))));
  return new Promise((resolve) => stream.once('data', () => resolve(session)));
}

for (const transport of ['http2', 'grpc-js'] as const) {
  test(`grace period end marks cut streams on ${transport}`, async (t) => {
    const ctxproc = await startTestService({ transport, shutdownGraceMs: 200 });
    const sessions = await Promise.all([holdStream(ctxproc.target), holdStream(ctxproc.target)]);
    t.after(() => sessions.forEach((session) => session.destroy()));

    await ctxproc.stop();

    assert.equal(ctxproc.events.length, 2);
    for (const event of ctxproc.events) {
      assert.equal(event.ctxproc.stream_end, 'error');
      assert.ok(event.ctxproc.notes?.some((note: string) => note.startsWith('the shutdown grace period (--shutdown-grace, 200 ms) ended before the stream did')), JSON.stringify(event.ctxproc.notes));
    }
    const warning = ctxproc.logs.find((line) => String(line.message).startsWith('shutdown grace period of 200 ms over'));
    assert.ok(warning, JSON.stringify(ctxproc.logs.map((line) => line.message)));
    assert.equal(warning.streams_cut, 2);

    const ends = (await ctxproc.service.metrics.streamsTotal.get()).values;
    const countOf = (end: string): number => ends.find((value) => value.labels.end === end)?.value ?? 0;
    assert.equal(countOf('shutdown_timeout'), 2);
    assert.equal(countOf('completed'), 0);
  });
}

test('graceful drain cuts no stream', async () => {
  const ctxproc = await startTestService({ transport: 'http2', shutdownGraceMs: 2000 });

  await ctxproc.stop();

  assert.ok(!ctxproc.logs.some((line) => String(line.message).startsWith('shutdown grace period')));
});
