// The load driver process. The benchmark runner starts it with an IPC
// channel and pins it to its own core. Each command message runs one step
// and gets one result message back.
import { buildTransactions, type TrafficShape } from './traffic.js';
import { holdOpen, LoadTarget, runClosedLoop, type LoadResult } from './load.js';
import { startSelfCheck, type DriverSelfCheck } from './self-check.js';
import { runOpenLoop, type OpenLoopOptions, type OpenLoopResult } from './open-loop.js';
import { readCommandLine, type ScriptSpec } from '../lib/options.js';

export type DriverCommand =
  | { command: 'connect'; port: number; connections: number; shape: TrafficShape }
  | { command: 'closed'; concurrency: number; durationMs: number; maxTransactions: number; resetAfterReplies?: number }
  | ({ command: 'open' } & OpenLoopOptions)
  | { command: 'hold'; count: number }
  | { command: 'release' }
  | { command: 'disconnect' };

export type DriverReply =
  | { ok: true; result?: LoadResult; openLoop?: OpenLoopResult; driver?: DriverSelfCheck; held?: number }
  | { ok: false; error: string };

let target: LoadTarget | null = null;
let release: (() => Promise<LoadResult>) | null = null;

async function handle(message: DriverCommand): Promise<DriverReply> {
  switch (message.command) {
    case 'connect':
      target?.close();
      target = await LoadTarget.connect(message.port, message.connections, buildTransactions(message.shape));
      return { ok: true };
    case 'closed': {
      const selfCheck = startSelfCheck();
      const result = await runClosedLoop(connected(), message.concurrency, message);
      return { ok: true, result, driver: selfCheck.stop() };
    }
    case 'open':
      return { ok: true, openLoop: await runOpenLoop(connected(), message) };
    case 'hold': {
      const holding = holdOpen(connected(), message.count);
      release = holding.release;
      return { ok: true, held: await holding.allHeld };
    }
    case 'release': {
      if (!release) {
        throw new Error('release sent before hold; send hold first');
      }
      const result = await release();
      release = null;
      return { ok: true, result };
    }
    case 'disconnect':
      target?.close();
      target = null;
      return { ok: true };
  }
}

function connected(): LoadTarget {
  if (!target) {
    throw new Error('no connection to a server; send connect first');
  }
  return target;
}

const SCRIPT: ScriptSpec<Record<string, never>> = {
  name: 'bench driver',
  command: 'node dist/bench/driver/main.js',
  summary: 'Runs the load driver that the benchmark runner (npm run bench) starts with an IPC channel; each command message runs one load step.',
  options: {},
};

readCommandLine(SCRIPT, () => undefined);

if (!process.send) {
  process.stderr.write('bench driver: start this file through the benchmark runner (npm run bench), which talks to it over IPC\n');
  process.exit(2);
}

process.on('message', (message: DriverCommand) => {
  handle(message).then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ ok: false, error: `${message.command} failed: ${(error as Error).message}` } satisfies DriverReply),
  );
});
process.on('disconnect', () => process.exit(0));
