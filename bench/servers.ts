// Starts the servers under test as child processes pinned to one core, and
// measures them from outside: CPU time and memory from /proc, event-loop
// delay from ctxproc's admin /metrics or, for the baseline, over IPC.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Event-loop delay over a window, in milliseconds, sampled every DEFAULT_EVENT_LOOP_RESOLUTION_MS (src/metrics/event-loop.ts), as ctxproc runs by default. */
export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Garbage-collection pauses, counted since the process started. */
export interface GcPauses {
  count: number;
  /** Mark-compact collections, prom-client's kind "major". */
  majorCount: number;
  /** Pauses longer than 1 ms and than 10 ms, two bucket bounds of prom-client's default GC histogram (0.001, 0.01, 0.1, 1, 2, 5 s). */
  over1MsCount: number;
  over10MsCount: number;
  totalMs: number;
}

export interface ServerUnderTest {
  kind: 'ctxproc' | ReferenceServer;
  pid: number;
  port: number;
  /** Reads the event-loop delay since the previous call and starts a new window. */
  eventLoopDelay(): Promise<EventLoopDelay>;
  /** Reads the garbage-collection pauses since the server started, from the admin /metrics of ctxproc only. */
  gcPauses?(): Promise<GcPauses>;
  stop(): Promise<void>;
}

/** How long a server may take to start, in milliseconds (1,000 rules load in well under a second). */
const START_TIMEOUT_MS = 30_000;

/** Returns the command prefix that pins a process to `core`, or none when taskset is missing. */
export function pinPrefix(core: number | null): string[] {
  return core === null ? [] : ['taskset', '-c', String(core)];
}

/**
 * Node flags ctxproc runs with, as the Dockerfile's ENTRYPOINT passes them.
 * Node 24 lets V8's young generation grow to 64 MB semi-spaces
 * (new_space_capacity=67108864 in --trace-gc-nvp). A scavenge of it paused
 * the server for 15 to 45 ms under load, the source of the p99 latency, and
 * the reserved semi-spaces held about 100 MB of the RSS of 10,000 open
 * transactions. 4 MB keeps scavenge pauses near 1 ms.
 *
 * V8 runs its collector's helpers on a pool of 4 threads by default. On
 * 2 cores they preempted the main thread in the mark-compact that ends a
 * live reload of thousands of rules, which then stalled serving past 10 ms
 * in about one reload in five. One helper keeps concurrent marking and left
 * the throughput benchmark's CPU per transaction within its run-to-run
 * spread (docs/reliability.md, "Resting between slices").
 */
export const CTXPROC_NODE_FLAGS = ['--max-semi-space-size=4', '--v8-pool-size=1'];

/**
 * Starts `ctxproc serve` on loopback with the given rules; security events go
 * to /dev/null. `nodeArgs` go to Node itself, such as --cpu-prof, and
 * `serveArgs` to `ctxproc serve`.
 */
export async function startCtxproc(repositoryRoot: string, rules: string, core: number | null, nodeArgs: string[] = [], serveArgs: string[] = []): Promise<ServerUnderTest> {
  const port = await freePort();
  const adminPort = await freePort();
  const command = [
    ...pinPrefix(core),
    process.execPath,
    ...CTXPROC_NODE_FLAGS,
    ...nodeArgs,
    path.join(repositoryRoot, 'dist/src/cli/index.js'),
    'serve',
    '--listen', `127.0.0.1:${port}`,
    '--admin', `127.0.0.1:${adminPort}`,
    '--rules', rules,
    '--log-level', 'warn',
    // The delay gives Kubernetes time to take a stopping pod out of its
    // endpoints. A benchmark has none, and the delay cost 5 s per scenario.
    '--shutdown-delay', '0',
    ...serveArgs,
  ];
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', devNull, 'inherit'] });
  closeSync(devNull);

  await waitUntil(() => adminReady(adminPort), child, 'ctxproc');
  return {
    kind: 'ctxproc',
    pid: child.pid!,
    port,
    eventLoopDelay: () => scrapeEventLoopDelay(adminPort),
    gcPauses: () => scrapeGcPauses(adminPort),
    stop: () => stopChild(child),
  };
}

/** The reference servers of bench/baseline/: the grpc-js baseline and the node:http2 floor. */
export type ReferenceServer = 'baseline' | 'http2_floor';

const REFERENCE_SCRIPTS: Record<ReferenceServer, string> = {
  baseline: 'dist/bench/baseline/server.js',
  http2_floor: 'dist/bench/baseline/http2-floor.js',
};

/** Starts a reference server of bench/baseline/; `nodeArgs` go to Node itself. */
export async function startBaseline(repositoryRoot: string, core: number | null, nodeArgs: string[] = [], kind: ReferenceServer = 'baseline'): Promise<ServerUnderTest> {
  const port = await freePort();
  const command = [...pinPrefix(core), process.execPath, ...nodeArgs, path.join(repositoryRoot, REFERENCE_SCRIPTS[kind]), String(port)];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });

  let listening = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    listening ||= chunk.toString('utf8').includes('listening');
  });
  await waitUntil(async () => listening, child, kind);

  return {
    kind,
    pid: child.pid!,
    port,
    eventLoopDelay: () => askEventLoopDelay(child),
    stop: () => stopChild(child),
  };
}

async function adminReady(adminPort: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Reads prom-client's event-loop gauges; each scrape also resets its histogram. */
async function scrapeEventLoopDelay(adminPort: number): Promise<EventLoopDelay> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const gauge = (name: string): number => Number(new RegExp(`^ctxproc_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p50Ms: gauge('p50'), p99Ms: gauge('p99'), maxMs: gauge('max') };
}

/** Sums prom-client's nodejs_gc_duration_seconds histogram over its kinds (minor, major, incremental, weakcb). */
async function scrapeGcPauses(adminPort: number): Promise<GcPauses> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const pauses: GcPauses = { count: 0, majorCount: 0, over1MsCount: 0, over10MsCount: 0, totalMs: 0 };
  for (const [, series, labels, value] of text.matchAll(/^ctxproc_nodejs_gc_duration_seconds_(bucket|sum|count)\{([^}]*)\} (\S+)$/gm)) {
    const number = Number(value);
    if (series === 'count') {
      pauses.count += number;
      pauses.majorCount += labels!.includes('kind="major"') ? number : 0;
      pauses.over1MsCount += number;
      pauses.over10MsCount += number;
    } else if (series === 'bucket' && labels!.includes('le="0.001"')) {
      pauses.over1MsCount -= number;
    } else if (series === 'bucket' && labels!.includes('le="0.01"')) {
      pauses.over10MsCount -= number;
    } else if (series === 'sum') {
      pauses.totalMs += number * 1000;
    }
  }
  return pauses;
}

function askEventLoopDelay(child: ChildProcess): Promise<EventLoopDelay> {
  return new Promise((resolve) => {
    child.once('message', (message: { p50_ms: number; p99_ms: number; max_ms: number }) => {
      resolve({ p50Ms: message.p50_ms, p99Ms: message.p99_ms, maxMs: message.max_ms });
    });
    child.send('event-loop-delay');
  });
}

async function waitUntil(ready: () => Promise<boolean>, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode} before it was ready; its stderr is above`);
    }
    if (await ready()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} was not ready within ${START_TIMEOUT_MS} ms`);
}

/** Sends SIGTERM and waits for the exit; SIGKILL after 10 s (ctxproc's grace period is for open streams, and none are left). */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Returns a loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
