// `npm run bench:unread-replies`: what streams whose client reads no reply
// cost ctxproc. ctxproc runs in this process, so its memory can be read after
// garbage collection. The client (test/helpers/unread-replies-client.ts) runs
// in a child process. It opens the streams on one connection with a small
// receive window and sends many small body chunks on each without reading.
// The script reports how many chunks ctxproc read per stream before it
// paused, and RSS, external and arrayBuffers memory while the streams are
// paused, after the client read everything, and after the connection closed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import vm from 'node:vm';
import { defaultSettings } from '../src/config/settings.js';
import { TRANSPORTS, type TransportName } from '../src/transport/transport.js';
import { readCommandLine, type OptionSpec, type ScriptSpec } from './lib/options.js';
import { REPO_ROOT, startTestService, type TestService } from '../test/helpers/service-harness.js';

/** HTTP/2's largest SETTINGS_INITIAL_WINDOW_SIZE (RFC 9113, section 6.5.2). */
const MAX_WINDOW_BYTES = 2 ** 31 - 1;

/** Bound on --chunks, which catches a mistyped count before the client queues that many messages per stream. */
const MAX_CHUNKS = 1_000_000;

/** Bytes a request_body ProcessingRequest adds around its body, at most: two tags and two lengths of up to 4 bytes each, with room to spare. */
const BODY_MESSAGE_OVERHEAD_BYTES = 16;

const DEFAULTS = defaultSettings();

const SCRIPT = {
  name: 'unread-replies',
  command: 'npm run bench:unread-replies --',
  summary: 'Opens streams whose client reads no reply, and reports the chunks ctxproc read before it paused and its memory.',
  options: {
    transport: { type: 'string', default: TRANSPORTS.join(','), value: 'NAMES', help: `ctxproc transports to measure, comma-separated: ${TRANSPORTS.join(', ')}` },
    streams: { type: 'string', default: '20', value: 'N', help: `streams on one connection, 1 to ${DEFAULTS.maxStreamsPerConnection}` },
    chunks: { type: 'string', default: '40000', value: 'N', help: `body chunks the client sends on each stream, 1 to ${MAX_CHUNKS}` },
    'chunk-bytes': { type: 'string', default: '16', value: 'BYTES', help: `bytes of each body chunk, 0 to ${DEFAULTS.maxMessageBytes - BODY_MESSAGE_OVERHEAD_BYTES}` },
    window: { type: 'string', default: '4096', value: 'BYTES', help: `client HTTP/2 receive window, in bytes, 0 to ${MAX_WINDOW_BYTES}` },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

const { TRANSPORT_NAMES, STREAMS, CHUNKS, CHUNK_BYTES, WINDOW_BYTES } = readCommandLine(SCRIPT, (commandLine) => ({
  TRANSPORT_NAMES: commandLine.names('transport', TRANSPORTS),
  STREAMS: commandLine.wholeNumber('streams', { min: 1, max: DEFAULTS.maxStreamsPerConnection, reason: 'the client opens them on one connection, and HTTP/2 holds back streams over ctxproc\'s --max-streams-per-connection, so they would never pause' }),
  CHUNKS: commandLine.wholeNumber('chunks', { min: 1, max: MAX_CHUNKS, reason: 'a larger count is likely a typo, and the client queues every chunk in memory at once' }),
  CHUNK_BYTES: commandLine.wholeNumber('chunk-bytes', { min: 0, max: DEFAULTS.maxMessageBytes - BODY_MESSAGE_OVERHEAD_BYTES, reason: 'each chunk is one message, which must stay under ctxproc\'s --max-message-bytes' }),
  WINDOW_BYTES: commandLine.wholeNumber('window', { min: 0, max: MAX_WINDOW_BYTES, reason: 'the largest HTTP/2 window' }),
}));

/** How long the paused state may take to settle, in milliseconds. */
const SETTLE_TIMEOUT_MS = 120_000;
const POLL_MS = 200;
const MIB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

interface Memory {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

async function memoryAfterGc(): Promise<Memory> {
  for (let i = 0; i < 3; i += 1) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return { rssMb: usage.rss / MIB, heapUsedMb: usage.heapUsed / MIB, externalMb: usage.external / MIB, arrayBuffersMb: usage.arrayBuffers / MIB };
}

async function bodyMessages(ctxproc: TestService): Promise<number> {
  const values = (await ctxproc.service.metrics.phaseMessages.get()).values;
  return values.find((value) => value.labels.phase === 'request_body')?.value ?? 0;
}

async function pausedStreams(ctxproc: TestService): Promise<number> {
  return (await ctxproc.service.metrics.streamsPaused.get()).values[0]?.value ?? 0;
}

/** Waits until every stream is paused and ctxproc read no message between two polls; returns the messages read. */
async function settledPause(ctxproc: TestService): Promise<number> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let previous = -1;
  for (;;) {
    const processed = await bodyMessages(ctxproc);
    if (processed === previous && (await pausedStreams(ctxproc)) === STREAMS) {
      return processed;
    }
    if (processed === STREAMS * CHUNKS || Date.now() > deadline) {
      console.log(`  not all streams paused: ${await pausedStreams(ctxproc)} of ${STREAMS} paused after ${processed} chunks read`);
      return processed;
    }
    previous = processed;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function show(label: string, memory: Memory, base: Memory): void {
  const perStream = (memory.externalMb - base.externalMb) / STREAMS;
  console.log(`  ${label}: RSS ${memory.rssMb.toFixed(1)} MiB, heap used ${memory.heapUsedMb.toFixed(1)} MiB, external ${memory.externalMb.toFixed(1)} MiB, arrayBuffers ${memory.arrayBuffersMb.toFixed(1)} MiB (external ${(perStream * 1024).toFixed(0)} KiB per stream above the start)`);
}

async function run(transport: TransportName): Promise<void> {
  console.log(`${transport}: ${STREAMS} streams, ${CHUNKS} chunks of ${CHUNK_BYTES} bytes each, client window ${WINDOW_BYTES} bytes`);
  const ctxproc = await startTestService({ transport, streamIdleTimeoutMs: 600_000 });
  const base = await memoryAfterGc();
  show('before', base, base);

  const clientScript = path.join(REPO_ROOT, 'dist/test/helpers/unread-replies-client.js');
  const client = spawn(process.execPath, [clientScript, ctxproc.target, String(STREAMS), String(CHUNKS), String(CHUNK_BYTES), String(WINDOW_BYTES)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: client.stdout })[Symbol.asyncIterator]();
  await lines.next();

  const read = await settledPause(ctxproc);
  console.log(`  chunks read before the pause: ${Math.round(read / STREAMS)} per stream`);
  show('paused', await memoryAfterGc(), base);

  client.stdin.write('read\n');
  const summary = (await lines.next()).value as string;
  console.log(`  client read: ${summary.slice(0, 200)}`);
  show('after the client read', await memoryAfterGc(), base);

  client.stdin.write('close\n');
  await once(client, 'exit');
  await ctxproc.stop();
  show('after the connection closed', await memoryAfterGc(), base);
}

for (const transport of TRANSPORT_NAMES) {
  await run(transport);
}
