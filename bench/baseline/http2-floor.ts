// The floor of Node's HTTP/2 for ext_proc: a server on node:http2 alone,
// without grpc-js, that replies to every ProcessingRequest with a constant
// empty reply of the matching kind. It is no usable ext_proc server (no
// deadlines, no message size limit, no health service); it shows how much
// of a transaction's cost Node's HTTP/2 sets and how much grpc-js adds.
//
// Usage: node dist/bench/baseline/http2-floor.js <port>
// It prints "listening <port>" once bound, and reports event-loop delay over
// IPC as the baseline server does.
import http2 from 'node:http2';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_EVENT_LOOP_RESOLUTION_MS } from '../../src/metrics/event-loop.js';
import { encodeResponse } from '../../src/protocol/codec.js';
import type { RequestKind } from '../../src/protocol/messages.js';
import { readCommandLine, type ScriptSpec } from '../lib/options.js';
import { readPortArgument } from './port-argument.js';

/** ProcessingRequest field numbers of the phase oneof (external_processor.proto). */
const KIND_BY_FIELD: Record<number, RequestKind> = {
  2: 'request_headers',
  3: 'response_headers',
  4: 'request_body',
  5: 'response_body',
  6: 'request_trailers',
  7: 'response_trailers',
};

/** Each empty reply, framed for gRPC once at load time. */
const REPLIES = new Map<number, Buffer>(
  Object.entries(KIND_BY_FIELD).map(([field, kind]) => {
    const message = encodeResponse({ [kind]: {} });
    const framed = Buffer.alloc(5 + message.length);
    framed.writeUInt32BE(message.length, 1);
    message.copy(framed, 5);
    return [Number(field), framed];
  }),
);

const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

function handleStream(stream: http2.ServerHttp2Stream): void {
  let pending: Buffer | null = null;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));

  stream.on('data', (chunk: Buffer) => {
    const data: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    let offset = 0;
    while (data.length - offset >= 5) {
      const length = data.readUInt32BE(offset + 1);
      if (data.length - offset - 5 < length) {
        break;
      }
      // Envoy and protobufjs write fields in field-number order, so the
      // phase (fields 2 to 7) is the first field of every request.
      const reply = REPLIES.get(data[offset + 5]! >> 3);
      if (reply) {
        stream.write(reply);
      }
      offset += 5 + length;
    }
    pending = offset < data.length ? data.subarray(offset) : null;
  });
  stream.on('end', () => stream.end());
  stream.on('error', () => {});
}

const server = http2.createServer({ streamResetBurst: 100_000, streamResetRate: 100_000 } as http2.ServerOptions);
server.on('stream', handleStream);

const SCRIPT: ScriptSpec<Record<string, never>> = {
  name: 'http2-floor',
  command: 'node dist/bench/baseline/http2-floor.js',
  summary: 'Runs the node:http2 floor ext_proc server on 127.0.0.1:PORT (0: a port the system chooses) and prints "listening PORT" once bound. bench/servers.ts starts it.',
  positionals: '[PORT]',
  options: {},
};

const port = readCommandLine(SCRIPT, readPortArgument);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});

// The resolution ctxproc samples with by default, so the figures compare.
const delay = monitorEventLoopDelay({ resolution: DEFAULT_EVENT_LOOP_RESOLUTION_MS });
delay.enable();
process.on('message', () => {
  process.send!({ p50_ms: delay.percentile(50) / 1e6, p99_ms: delay.percentile(99) / 1e6, max_ms: delay.max / 1e6 });
  delay.reset();
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
