// Both transports reject a message over --max-message-bytes as soon as its
// 5-byte gRPC length prefix arrives: the client here sends the prefix and
// nothing more, so a transport that waited for the message would never end
// the stream. The rejection is counted, logged and noted on the event, and
// the transport then resets the stream with NO_ERROR so that the client stops
// sending the rest of the message.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { encodeRequest, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { TRANSPORTS } from '../../src/transport/transport.js';
import { frameMessage } from '../../src/transport/grpc-status.js';
import { GET_HEADERS, requestHeaders } from '../helpers/raw-stream.js';
import { startTestService, waitFor } from '../helpers/service-harness.js';

const LIMIT = 64 * 1024;
/** What the prefixes declare: just over the limit, and far over it; both more than this test sends. */
const DECLARED_SIZES = [LIMIT + 1, 512 * 1024 * 1024];
const STATUS_TIMEOUT_MS = 5000;

interface Trailers {
  status: number;
  message: string;
  /** The RST_STREAM code that closed the stream, which this client never half-closes. */
  resetCode: number;
}

/**
 * Sends request headers, then a prefix declaring `declared` bytes, and
 * resolves with the stream's gRPC status and reset code. With `first`, the
 * prefix is the stream's first message, so the status comes trailers-only.
 */
function sendOversizedPrefix(target: string, declared: number, first = false): Promise<Trailers> {
  const session = http2.connect(`http://${target}`);
  const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(declared, 1);
  if (first) {
    stream.write(Buffer.concat([prefix, Buffer.alloc(1024, 7)]));
  } else {
    stream.write(frameMessage(encodeRequest(requestHeaders(GET_HEADERS, false))));
  }
  // After the reply to the headers, as Envoy does: grpc-js drops the messages
  // that share a data frame with the rejected prefix.
  stream.once('data', () => !first && stream.write(Buffer.concat([prefix, Buffer.alloc(1024, 7)])));

  return new Promise<Trailers>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no gRPC status and reset within ${STATUS_TIMEOUT_MS} ms: the transport waited for the ${declared}-byte message, or kept the stream open after its status`)), STATUS_TIMEOUT_MS);
    let status: Omit<Trailers, 'resetCode'> | null = null;
    const finish = (headers: http2.IncomingHttpHeaders): void => {
      if (headers['grpc-status'] !== undefined) {
        status = { status: Number(headers['grpc-status']), message: decodeURIComponent(String(headers['grpc-message'] ?? '')) };
      }
    };
    stream.on('response', finish);
    stream.on('trailers', finish);
    stream.on('close', () => {
      clearTimeout(timer);
      session.destroy();
      if (status === null) {
        reject(new Error(`the stream closed with RST_STREAM code ${stream.rstCode} before a gRPC status`));
        return;
      }
      resolve({ ...status, resetCode: stream.rstCode });
    });
    stream.on('data', () => {});
    stream.on('error', () => {});
    session.on('error', () => {});
  });
}

for (const [transport, declared] of TRANSPORTS.flatMap((name) => DECLARED_SIZES.map((size) => [name, size] as const))) {
  test(`${declared}-byte prefix rejected (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport, maxMessageBytes: LIMIT });
    t.after(() => ctxproc.stop());

    const trailers = await sendOversizedPrefix(ctxproc.target, declared);
    await waitFor(() => ctxproc.events.length === 1 && ctxproc.logs.some((line) => line.error_code === 'CTXPROC_PROTO_TOO_LARGE'));
    const counted = (await ctxproc.service.metrics.protocolErrors.get()).values.find((value) => value.labels.code === 'CTXPROC_PROTO_TOO_LARGE')?.value;

    assert.equal(trailers.status, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(trailers.message, `CTXPROC_PROTO_TOO_LARGE: ProcessingRequest of ${declared} bytes is over the limit of ${LIMIT} bytes; raise --max-message-bytes if Envoy buffers bodies this large, or check that the client speaks gRPC`);
    assert.equal(trailers.resetCode, http2.constants.NGHTTP2_NO_ERROR);
    assert.equal(counted, 1);
    assert.ok(ctxproc.events[0]!.ctxproc.notes.includes(`a ${declared}-byte message was rejected: the limit is ${LIMIT} bytes (--max-message-bytes)`), JSON.stringify(ctxproc.events[0]!.ctxproc.notes));
  });
}

for (const transport of TRANSPORTS) {
  test(`oversized first message reset (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport, maxMessageBytes: LIMIT });
    t.after(() => ctxproc.stop());

    const trailers = await sendOversizedPrefix(ctxproc.target, LIMIT + 1, true);

    assert.equal(trailers.status, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.match(trailers.message, /^CTXPROC_PROTO_TOO_LARGE: /);
    assert.equal(trailers.resetCode, http2.constants.NGHTTP2_NO_ERROR);
  });
}
