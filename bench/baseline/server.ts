// The baseline: an ext_proc server written the way the grpc-js examples
// write one. It loads the same protos with @grpc/proto-loader, uses the
// default server options, builds a new response object for every message
// and has no logic, so every ctxproc figure can be read as a ratio to it.
//
// Usage: node dist/bench/baseline/server.js <port>
// It prints "listening <port>" once bound. When started with an IPC
// channel, it replies to each message with its event-loop delay since the
// previous one, the figure ctxproc exposes on its admin /metrics.
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_EVENT_LOOP_RESOLUTION_MS } from '../../src/metrics/event-loop.js';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { applyResetLimit } from '../../src/transport/reset-limit.js';
import { readCommandLine, type ScriptSpec } from '../lib/options.js';
import { readPortArgument } from './port-argument.js';

const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proto');

const definition = protoLoader.loadSync('envoy/service/ext_proc/v3/external_processor.proto', {
  includeDirs: [PROTO_DIR],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition) as any;
const service = loaded.envoy.service.ext_proc.v3.ExternalProcessor.service as grpc.ServiceDefinition;

function process_(call: grpc.ServerDuplexStream<any, any>): void {
  call.on('data', (request: any) => {
    // Every phase gets an empty reply of the matching kind, which means CONTINUE.
    call.write({ [request.request]: {} });
  });
  call.on('end', () => call.end());
  call.on('error', () => {});
}

const server = new grpc.Server();
// The one departure from the examples: Envoy resets every ext_proc stream,
// and Node's default limit of 33 resets per second after a burst of 1000
// would close the connection within seconds, so the baseline raises it as
// ctxproc does.
applyResetLimit(server, { burst: 100_000, ratePerSecond: 100_000 });
server.addService(service, { Process: process_ });

const SCRIPT: ScriptSpec<Record<string, never>> = {
  name: 'baseline',
  command: 'node dist/bench/baseline/server.js',
  summary: 'Runs the grpc-js baseline ext_proc server on 127.0.0.1:PORT (0: a port the system chooses) and prints "listening PORT" once bound. bench/servers.ts starts it.',
  positionals: '[PORT]',
  options: {},
};

const port = readCommandLine(SCRIPT, readPortArgument);
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    process.stderr.write(`baseline: cannot listen on 127.0.0.1:${port}: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`listening ${bound}\n`);
});

// The resolution ctxproc samples with by default, so the figures compare.
const delay = monitorEventLoopDelay({ resolution: DEFAULT_EVENT_LOOP_RESOLUTION_MS });
delay.enable();
process.on('message', () => {
  process.send!({ p50_ms: delay.percentile(50) / 1e6, p99_ms: delay.percentile(99) / 1e6, max_ms: delay.max / 1e6 });
  delay.reset();
});
process.on('disconnect', () => process.exit(0));
// An orderly exit on SIGTERM lets `node --cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0));
