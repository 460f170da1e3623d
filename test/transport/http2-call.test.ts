// Http2ProcessCall's pause() takes effect between two messages of one
// HTTP/2 chunk, and the half-close waits for the messages it held back.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import { Http2ProcessCall } from '../../src/transport/http2-call.js';
import { frameMessage } from '../../src/transport/grpc-status.js';
import { waitFor } from '../helpers/service-harness.js';

const MESSAGES = ['first', 'second', 'third'];

test('pause holds back rest of chunk', async (t) => {
  const received: string[] = [];
  const calls: Http2ProcessCall[] = [];
  const server = http2.createServer();
  server.on('stream', (stream) => {
    const call = new Http2ProcessCall(stream, 1024);
    call.on('data', (bytes: Buffer) => {
      received.push(bytes.toString());
      if (received.length === 1) {
        call.pause();
      }
    });
    call.on('end', () => {
      received.push('end');
      call.end();
    });
    calls.push(call);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = http2.connect(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  t.after(() => {
    session.destroy();
    server.close();
  });

  const stream = session.request({ ':method': 'POST', ':path': PROCESS_METHOD_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  // The call wrote no message, so its status comes as a trailers-only response.
  const status = new Promise<unknown>((resolve) => stream.on('response', (headers) => resolve(headers['grpc-status'])));
  stream.on('data', () => {});
  // One write, so the three messages and the half-close arrive together.
  stream.end(Buffer.concat(MESSAGES.map((text) => frameMessage(Buffer.from(text)))));
  await waitFor(() => received.length === 1);
  // The PING is answered after the server has read the DATA frames sent
  // before it, so the paused call had its chance to deliver more.
  await new Promise((resolve) => session.ping(resolve));
  const whilePaused = [...received];

  calls[0]!.resume();
  await waitFor(() => received.length === MESSAGES.length + 1);

  assert.deepEqual(whilePaused, ['first']);
  assert.deepEqual(received, [...MESSAGES, 'end']);
  assert.equal(await status, '0');
});
