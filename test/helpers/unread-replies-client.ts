// Child process for memory tests and bench/unread-replies.ts: opens streams
// on one HTTP/2 connection with a small receive window, sends request headers
// and many small body chunks on each, and reads no reply. It prints "sent"
// once every chunk is queued. A line "read" on stdin makes it read every
// reply and print {"replies":…,"statuses":[…]} when the streams have ended;
// a line "open" makes it open one more stream on the same connection, send
// request headers and print {"status":…,"details":…} when that stream ends;
// a line "close" makes it close the connection and exit. Running apart keeps
// the client's own buffers out of the server's memory figures.
//
// Usage: unread-replies-client.js <host:port> <streams> <chunks> <chunk-bytes> <window-bytes> [respond]
// With `respond`, each stream sends response headers after its body chunks,
// which completes the transaction for ctxproc, before it half-closes.
import http2 from 'node:http2';
import { createInterface } from 'node:readline';
import { encodeRequest, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { frameMessage, MESSAGE_PREFIX_BYTES } from '../../src/transport/grpc-status.js';
import { POST_HEADERS, requestHeaders, responseHeaders } from './raw-stream.js';

const [target, streamsText, chunksText, chunkBytesText, windowText, respond] = process.argv.slice(2);
const STREAMS = Number(streamsText);
const CHUNKS = Number(chunksText);
const CHUNK_BYTES = Number(chunkBytesText);

// The client queues every chunk at once, past Node's default of 10 MB per session.
const session = http2.connect(`http://${target}`, {
  maxSessionMemory: Number.MAX_SAFE_INTEGER,
  settings: { initialWindowSize: Number(windowText) },
});
session.on('error', (error) => console.error(`unread-replies-client: connection failed: ${error.message}`));

const headersMessage = frameMessage(encodeRequest(requestHeaders(POST_HEADERS, false)));
const chunkMessage = frameMessage(encodeRequest({ request_body: { body: Buffer.alloc(CHUNK_BYTES, 7), end_of_stream: false } }));
const responseMessage = frameMessage(encodeRequest(responseHeaders([[':status', '200']])));
const streams: http2.ClientHttp2Stream[] = [];

for (let i = 0; i < STREAMS; i += 1) {
  // No 'data' listener yet, so the stream does not consume its window.
  const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
  stream.write(headersMessage);
  for (let chunk = 0; chunk < CHUNKS; chunk += 1) {
    stream.write(chunkMessage);
  }
  if (respond === 'respond') {
    stream.write(responseMessage);
  }
  stream.end();
  streams.push(stream);
}
console.log('sent');

/** Reads every stream to its end and returns the gRPC messages and the grpc-status of each. */
async function readAll(): Promise<{ replies: number; statuses: string[] }> {
  // A stream window of 0 never grows by reading, because no byte can arrive.
  // A larger initial window applies to the open streams too.
  session.settings({ initialWindowSize: 65_535 });
  let replies = 0;
  const statuses = await Promise.all(streams.map((stream) => new Promise<string>((resolve) => {
    let pending: Buffer = Buffer.alloc(0);
    let status = 'none';
    stream.on('data', (bytes: Buffer) => {
      pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
      while (pending.length >= MESSAGE_PREFIX_BYTES && pending.length >= MESSAGE_PREFIX_BYTES + pending.readUInt32BE(1)) {
        pending = pending.subarray(MESSAGE_PREFIX_BYTES + pending.readUInt32BE(1));
        replies += 1;
      }
    });
    // grpc-status comes in the trailers, or in the headers of a trailers-only response.
    stream.on('response', (headers) => {
      status = headers['grpc-status'] === undefined ? status : String(headers['grpc-status']);
    });
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status']);
    });
    stream.on('close', () => resolve(status));
  })));
  return { replies, statuses };
}

/** Opens one stream that reads its reply, and returns the grpc-status and grpc-message it ended with. */
function openOneMore(): Promise<{ status: string; details: string }> {
  const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
  stream.end(headersMessage);
  stream.resume();
  return new Promise((resolve) => {
    let ending: http2.IncomingHttpHeaders = {};
    stream.on('response', (headers) => {
      ending = headers['grpc-status'] === undefined ? ending : headers;
    });
    stream.on('trailers', (trailers) => {
      ending = trailers;
    });
    stream.on('close', () => resolve({ status: String(ending['grpc-status'] ?? 'none'), details: decodeURIComponent(String(ending['grpc-message'] ?? '')) }));
  });
}

const commands = createInterface({ input: process.stdin });
for await (const line of commands) {
  if (line === 'read') {
    console.log(JSON.stringify(await readAll()));
  }
  if (line === 'open') {
    console.log(JSON.stringify(await openOneMore()));
  }
  if (line === 'close') {
    break;
  }
}
commands.close();
process.stdin.destroy();
session.destroy();
