// Child process for memory tests: opens streams to the target, sends request
// headers and one body chunk on each, waits for both replies, prints "held",
// and half-closes them all when a line arrives on stdin. Running apart keeps
// the client's own buffers out of the server's memory figures.
import { Client, credentials } from '@grpc/grpc-js';
import { openRawStream, requestHeaders, type RawStream } from './raw-stream.js';

const [target, countText, chunkText] = process.argv.slice(2);
const client = new Client(target!, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
const streams: RawStream[] = [];

for (let i = 0; i < Number(countText); i += 1) {
  const stream = openRawStream(client);
  stream.send(requestHeaders([[':method', 'POST'], [':path', '/upload'], [':authority', 'shop.example'], ['content-type', 'application/octet-stream']], false));
  await stream.nextReply(10_000);
  stream.send({ request_body: { body: Buffer.alloc(Number(chunkText), 7), end_of_stream: false } });
  await stream.nextReply(10_000);
  streams.push(stream);
}
console.log('held');

process.stdin.once('data', () => {
  streams.forEach((stream) => stream.halfClose());
  void Promise.all(streams.map((stream) => stream.status)).then(() => {
    client.close();
    process.stdin.destroy();
  });
});
