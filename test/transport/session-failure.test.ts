// A connection that Node closes for too many stream resets fails every
// stream on it, so ctxproc must count it under its own reason and log it
// with the client's address and the settings to raise.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { encodeRequest } from '../../src/protocol/codec.js';
import { frameMessage } from '../../src/transport/grpc-status.js';
import { connectRaw, frame, FrameType, NO_ERROR, type RawConnection } from '../helpers/raw-http2.js';
import { GET_HEADERS, requestHeaders } from '../helpers/raw-stream.js';
import { startTestService, waitFor } from '../helpers/service-harness.js';

/** Streams reset by the client; far above the lowered burst, so Node closes the connection within one second. */
const RESET_STREAMS = 60;

const WAIT_MS = 5000;

type TestService = Awaited<ReturnType<typeof startTestService>>;

async function rejections(ctxproc: TestService, reason: string): Promise<number> {
  return (await ctxproc.service.metrics.transportRejections.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

/**
 * Opens RESET_STREAMS Process streams on one connection, each with one
 * message, and resets each with NO_ERROR, as Envoy does.
 */
async function resetStreams(target: string): Promise<RawConnection> {
  const connection = await connectRaw(target);
  const message = frameMessage(encodeRequest(requestHeaders(GET_HEADERS, false)));
  for (let index = 0; index < RESET_STREAMS; index += 1) {
    const streamId = 2 * index + 1;
    connection.openProcessCall(streamId);
    connection.sendData(streamId, message);
    connection.sendReset(streamId, NO_ERROR);
  }
  return connection;
}

for (const transport of ['http2', 'grpc-js'] as const) {
  test(`reset limit closes connection on ${transport}`, async (t) => {
    const ctxproc = await startTestService({ transport, resetBurst: 10, resetRate: 1 });
    t.after(() => ctxproc.stop());
    const connection = await resetStreams(ctxproc.target);
    t.after(() => connection.close());

    await waitFor(() => ctxproc.logs.some((line) => line.reason === 'reset_limit'), WAIT_MS);

    const warning = ctxproc.logs.find((line) => line.reason === 'reset_limit')!;
    assert.equal(warning.status, 'warn');
    assert.match(warning.peer, /^127\.0\.0\.1:\d+$/);
    assert.match(warning.message, /exceeded --reset-burst 10 or --reset-rate 1 per second$/);
    assert.match(warning.hint, /raise --reset-burst and --reset-rate/);
    assert.ok(warning.stream_resets >= 10, `stream_resets ${warning.stream_resets}`);
    assert.equal(await rejections(ctxproc, 'reset_limit'), 1);
    assert.equal(await rejections(ctxproc, 'connection_error'), 0);
  });

  test(`protocol error with open streams is connection_error on ${transport}`, async (t) => {
    const ctxproc = await startTestService({ transport, resetBurst: 10, resetRate: 1 });
    t.after(() => ctxproc.stop());
    const connection = await connectRaw(ctxproc.target);
    t.after(() => connection.close());
    const message = frameMessage(encodeRequest(requestHeaders(GET_HEADERS, false)));
    for (let index = 0; index < RESET_STREAMS; index += 1) {
      connection.openProcessCall(2 * index + 1);
      connection.sendData(2 * index + 1, message);
    }
    await connection.nextFrame((received) => received.type === FrameType.DATA && received.streamId === 2 * RESET_STREAMS - 1, WAIT_MS);

    // A client may not open an even-numbered stream (RFC 9113, section 5.1.1), so Node fails the connection.
    connection.sendRaw(frame(FrameType.HEADERS, 0x4, 2, Buffer.from([0x83])));
    await waitFor(() => ctxproc.logs.some((line) => line.reason !== undefined && line.peer !== undefined), WAIT_MS);

    const warning = ctxproc.logs.find((line) => line.peer !== undefined && line.reason !== undefined)!;
    assert.equal(warning.reason, 'connection_error');
    assert.equal(warning.stream_resets, 0);
    assert.equal(await rejections(ctxproc, 'connection_error'), 1);
    assert.equal(await rejections(ctxproc, 'reset_limit'), 0);
  });

  test(`non-HTTP/2 client logs connection_error on ${transport}`, async (t) => {
    const ctxproc = await startTestService({ transport });
    t.after(() => ctxproc.stop());
    const socket = net.connect(ctxproc.service.grpcPort, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: ctxproc\r\n\r\n'));
    socket.on('error', () => {});
    socket.on('data', () => {});
    t.after(() => socket.destroy());

    await waitFor(() => ctxproc.logs.some((line) => line.reason === 'connection_error'), WAIT_MS);

    const warning = ctxproc.logs.find((line) => line.reason === 'connection_error')!;
    assert.match(warning.message, /^HTTP\/2 connection from 127\.0\.0\.1:\d+ failed with all its streams: /);
    assert.equal(await rejections(ctxproc, 'connection_error'), 1);
    assert.equal(await rejections(ctxproc, 'reset_limit'), 0);
  });
}
