// The http2 transport reads gRPC framing itself, so it must end framing
// faults as protocol errors: a half-close inside a message, and a message
// with the compressed flag. Each is counted, logged and noted on the event.
// A reset inside a message is no fault on either transport.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { encodeRequest, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { frameMessage } from '../../src/transport/grpc-status.js';
import { connectRaw, FrameType, NO_ERROR } from '../helpers/raw-http2.js';
import { GET_HEADERS, requestHeaders } from '../helpers/raw-stream.js';
import { startTestService, waitFor } from '../helpers/service-harness.js';

const STATUS_TIMEOUT_MS = 5000;

interface Trailers {
  status: number;
  message: string;
}

/** Sends request headers, then `after` once ctxproc replies to them, and resolves with the stream's gRPC status. */
function sendAfterHeaders(target: string, after: (stream: http2.ClientHttp2Stream) => void): Promise<Trailers> {
  const session = http2.connect(`http://${target}`);
  const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  stream.write(frameMessage(encodeRequest(requestHeaders(GET_HEADERS, false))));
  stream.once('data', () => after(stream));

  return new Promise<Trailers>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no gRPC status within ${STATUS_TIMEOUT_MS} ms`)), STATUS_TIMEOUT_MS);
    const finish = (headers: http2.IncomingHttpHeaders): void => {
      if (headers['grpc-status'] === undefined) {
        return;
      }
      clearTimeout(timer);
      resolve({ status: Number(headers['grpc-status']), message: decodeURIComponent(String(headers['grpc-message'] ?? '')) });
      session.destroy();
    };
    stream.on('response', finish);
    stream.on('trailers', finish);
    stream.on('data', () => {});
    stream.on('error', () => {});
    session.on('error', () => {});
  });
}

async function protocolErrorCount(ctxproc: Awaited<ReturnType<typeof startTestService>>, code: string): Promise<number | undefined> {
  return (await ctxproc.service.metrics.protocolErrors.get()).values.find((value) => value.labels.code === code)?.value;
}

const CUT_CASES: Array<[string, Buffer]> = [
  ['inside a message', frameMessage(encodeRequest(requestHeaders(GET_HEADERS, true))).subarray(0, 12)],
  ['inside a prefix', Buffer.from([0, 0, 0])],
];

for (const [where, partial] of CUT_CASES) {
  test(`half-close ${where} ends with INTERNAL`, async (t) => {
    const ctxproc = await startTestService({ transport: 'http2' });
    t.after(() => ctxproc.stop());

    const trailers = await sendAfterHeaders(ctxproc.target, (stream) => stream.end(partial));
    await waitFor(() => ctxproc.events.length === 1 && ctxproc.logs.some((line) => line.error_code === 'CTXPROC_PROTO_TRUNCATED'));

    assert.equal(trailers.status, GrpcStatus.INTERNAL);
    assert.match(trailers.message, new RegExp(`^CTXPROC_PROTO_TRUNCATED: the client half-closed the stream after ${partial.length} of the \\d+ bytes of a message`));
    assert.equal(await protocolErrorCount(ctxproc, 'CTXPROC_PROTO_TRUNCATED'), 1);
    assert.ok(ctxproc.events[0]!.ctxproc.notes.some((note: string) => note.startsWith("the stream's gRPC framing was wrong: the client half-closed")), JSON.stringify(ctxproc.events[0]!.ctxproc.notes));
  });
}

test('clean half-close ends with OK', async (t) => {
  const ctxproc = await startTestService({ transport: 'http2' });
  t.after(() => ctxproc.stop());

  const trailers = await sendAfterHeaders(ctxproc.target, (stream) => stream.end());

  assert.equal(trailers.status, GrpcStatus.OK);
  assert.equal(await protocolErrorCount(ctxproc, 'CTXPROC_PROTO_TRUNCATED'), undefined);
});

test('compressed message ends with UNIMPLEMENTED', async (t) => {
  const ctxproc = await startTestService({ transport: 'http2' });
  t.after(() => ctxproc.stop());
  const compressed = frameMessage(encodeRequest(requestHeaders(GET_HEADERS, true)));
  compressed[0] = 1;

  const trailers = await sendAfterHeaders(ctxproc.target, (stream) => stream.write(compressed));
  await waitFor(() => ctxproc.events.length === 1);

  assert.equal(trailers.status, GrpcStatus.UNIMPLEMENTED);
  assert.match(trailers.message, /^CTXPROC_PROTO_COMPRESSED: a \d+-byte message has flag byte 1 where 0 \(uncompressed\) is expected; .*turn off grpc-encoding/);
  assert.equal(await protocolErrorCount(ctxproc, 'CTXPROC_PROTO_COMPRESSED'), 1);
});

for (const transport of ['http2', 'grpc-js'] as const) {
  test(`reset inside a message completes on ${transport}`, async (t) => {
    const ctxproc = await startTestService({ transport });
    t.after(() => ctxproc.stop());
    const partial = frameMessage(encodeRequest(requestHeaders(GET_HEADERS, true))).subarray(0, 12);

    // RST_STREAM without END_STREAM, as Envoy resets a stream at its message timeout.
    const connection = await connectRaw(ctxproc.target);
    t.after(() => connection.close());
    connection.openProcessCall(1);
    connection.sendData(1, frameMessage(encodeRequest(requestHeaders(GET_HEADERS, false))));
    await connection.nextFrame((received) => received.type === FrameType.DATA && received.streamId === 1, STATUS_TIMEOUT_MS);
    connection.sendData(1, partial);
    connection.sendReset(1, NO_ERROR);
    await waitFor(() => ctxproc.events.length === 1, STATUS_TIMEOUT_MS);

    const event = ctxproc.events[0]!;
    assert.equal(event.ctxproc.stream_end, 'completed');
    assert.equal(event.ctxproc.notes, undefined);
    assert.equal(await protocolErrorCount(ctxproc, 'CTXPROC_PROTO_TRUNCATED'), undefined);
    assert.ok(!ctxproc.logs.some((line) => line.error_code === 'CTXPROC_PROTO_TRUNCATED'), JSON.stringify(ctxproc.logs));
    const ends = (await ctxproc.service.metrics.streamsTotal.get()).values;
    assert.equal(ends.find((value) => value.labels.end === 'completed')?.value, 1);
    assert.equal(ends.find((value) => value.labels.end === 'protocol_error')?.value ?? 0, 0);
  });
}
