// A client that sends many messages on one stream and reads none of the
// replies must be stopped by HTTP/2 flow control: ctxproc stops reading the
// stream while its replies wait, instead of reading every message and
// queuing every reply. Once the client reads, the stream completes.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { encodeRequest, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { MESSAGE_PREFIX_BYTES, frameMessage } from '../../src/transport/grpc-status.js';
import { TRANSPORTS } from '../../src/transport/transport.js';
import { POST_HEADERS, requestHeaders } from '../helpers/raw-stream.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

/**
 * Body chunks the client sends, 1 KiB each. The write buffers and HTTP/2
 * windows between ctxproc and this client took about 70 KB of replies in a
 * measured run, some 10,000 of the 7-byte replies to a body chunk, so
 * ctxproc must pause well before it has read half of the chunks.
 */
const CHUNKS = 40_000;
const CHUNK_BYTES = 1024;
/** The client's receive window for replies, in bytes, small so that a few hundred replies fill it. */
const CLIENT_WINDOW_BYTES = 4096;
const WAIT_MS = 20_000;

async function bodyMessages(ctxproc: TestService): Promise<number> {
  const values = (await ctxproc.service.metrics.phaseMessages.get()).values;
  return values.find((value) => value.labels.phase === 'request_body')?.value ?? 0;
}

async function pausedStreams(ctxproc: TestService): Promise<number> {
  return (await ctxproc.service.metrics.streamsPaused.get()).values[0]?.value ?? 0;
}

/**
 * Waits until the stream is paused and ctxproc processed no message between
 * two polls. grpc-js completes writes asynchronously, so it pauses and
 * resumes a few times before the client's window is really full.
 */
async function waitForSettledPause(ctxproc: TestService): Promise<number> {
  let previous = -1;
  await waitForAsync(async () => {
    const processed = await bodyMessages(ctxproc);
    const settled = processed === previous && (await pausedStreams(ctxproc)) === 1;
    previous = processed;
    return settled;
  }, 'a lasting pause of the stream');
  return previous;
}

/** Polls an async condition every 100 ms for at most `timeoutMs`. */
async function waitForAsync(predicate: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Counts the gRPC messages in the reply bytes, however HTTP/2 split them. */
function countFrames(): { add(chunk: Buffer): void; count(): number } {
  let pending = Buffer.alloc(0);
  let frames = 0;
  return {
    add(chunk) {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= MESSAGE_PREFIX_BYTES && pending.length >= MESSAGE_PREFIX_BYTES + pending.readUInt32BE(1)) {
        pending = pending.subarray(MESSAGE_PREFIX_BYTES + pending.readUInt32BE(1));
        frames += 1;
      }
    },
    count: () => frames,
  };
}

for (const transport of TRANSPORTS) {
  test(`unread replies stop the stream (${transport})`, async (t) => {
    const ctxproc = await startTestService({ transport });
    t.after(() => ctxproc.stop());
    // The client queues all its chunks at once; Node's default of 10 MB per session would reset the stream.
    const session = http2.connect(`http://${ctxproc.target}`, { maxSessionMemory: Number.MAX_SAFE_INTEGER, settings: { initialWindowSize: CLIENT_WINDOW_BYTES } });
    t.after(() => session.destroy());
    session.on('error', () => {});

    // No 'data' listener yet: the client reads no reply, so its window fills.
    const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    let streamError: Error | null = null;
    stream.on('error', (error) => {
      streamError = error;
    });
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
    stream.write(frameMessage(encodeRequest(requestHeaders(POST_HEADERS, false))));
    const chunk = frameMessage(encodeRequest({ request_body: { body: Buffer.alloc(CHUNK_BYTES, 7), end_of_stream: false } }));
    for (let i = 0; i < CHUNKS; i += 1) {
      stream.write(chunk);
    }
    stream.end();

    const processedAtPause = await waitForSettledPause(ctxproc);
    // Gives ctxproc time to read more, which it must not while it is paused.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const processedLater = await bodyMessages(ctxproc);
    t.diagnostic(`${transport}: ${processedAtPause} of ${CHUNKS} chunks processed before the pause`);

    assert.ok(processedAtPause < CHUNKS / 2, `ctxproc processed ${processedAtPause} of ${CHUNKS} chunks before it paused`);
    assert.equal(processedLater, processedAtPause, 'ctxproc read more messages while the client read no replies');

    const replies = countFrames();
    stream.on('data', (bytes: Buffer) => replies.add(bytes));
    const status = (await trailers)['grpc-status'];
    await waitFor(() => replies.count() === CHUNKS + 1, WAIT_MS);

    assert.equal(streamError, null);
    assert.equal(status, '0');
    assert.equal(replies.count(), CHUNKS + 1);
    assert.equal(await bodyMessages(ctxproc), CHUNKS);
    assert.equal(await pausedStreams(ctxproc), 0);
  });
}
