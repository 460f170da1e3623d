// Runs `ctxproc serve` as a child process on loopback ports, for the soak
// and fuzz scripts: they must watch the real process, its memory and its
// exit, from the outside.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_EVENT_LOOP_RESOLUTION_MS } from '../../src/metrics/event-loop.js';
import { CTXPROC_NODE_FLAGS } from '../servers.js';

/** The repository root, from dist/bench/lib/. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const CLI = path.join(REPO_ROOT, 'dist/src/cli/index.js');

/** How long the child may take to log its start line, in milliseconds. */
const START_TIMEOUT_MS = 15_000;

/** How much of stderr to keep for error messages, in characters. */
const STDERR_TAIL_CHARS = 4000;

export interface CtxprocProcess {
  child: ChildProcess;
  grpcTarget: string;
  adminPort: number;
  /** Lines written to stdout so far (security events and operational logs). */
  stdoutLines(): number;
  /** Operational log lines at warn, error or fatal status, parsed; kept so a run can show what went wrong. */
  warnings: Array<Record<string, unknown>>;
  stderrTail(): string;
  /** Resolves with the exit code, or the signal name, once the child has exited. */
  exited: Promise<number | string>;
  /** Sends SIGTERM (or `signal`) and resolves with the exit code or signal name. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts ctxproc with `args` after `serve --listen 127.0.0.1:0 --admin
 * 127.0.0.1:0`, and with the Node flags it ships with, so fuzz, soak and
 * stall figures describe the process users run. Its event-loop delay is
 * sampled every millisecond, so a stall reads within 1 ms of its length.
 */
export function startCtxproc(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CtxprocProcess> {
  const resolution = ['--event-loop-resolution', String(BENCH_EVENT_LOOP_RESOLUTION_MS)];
  const child = spawn(process.execPath, [...CTXPROC_NODE_FLAGS, CLI, 'serve', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', ...resolution, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  stopWithBench(child, exited);
  const warnings: Array<Record<string, unknown>> = [];
  let lines = 0;
  let stderr = '';
  let pending = '';

  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ctxproc serve did not log its start line within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    void exited.then((how) => reject(new Error(`ctxproc serve exited (${how}) before it started: ${stderr}`)));

    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const text = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        lines += 1;

        const line = parseLogLine(text);
        if (line && WARNING_STATUSES.has(line.status as string)) {
          warnings.push(line);
        }
        if (line?.message === 'ctxproc started') {
          clearTimeout(timer);
          resolve({
            child,
            grpcTarget: `127.0.0.1:${line.grpc_port as number}`,
            adminPort: line.admin_port as number,
            stdoutLines: () => lines,
            warnings,
            stderrTail: () => stderr,
            exited,
            stop: (signal = 'SIGTERM') => {
              child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
  });
}

/**
 * Passes a SIGTERM or SIGINT of the benchmark on to its ctxproc, then exits
 * with the signal's usual status. A benchmark stopped by `timeout` or Ctrl-C
 * would otherwise leave ctxproc running, holding its ports.
 */
function stopWithBench(child: ChildProcess, exited: Promise<number | string>): void {
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
    void exited.then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGTERM', forward);
  process.once('SIGINT', forward);
  void exited.then(() => {
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  });
}

const WARNING_STATUSES = new Set(['warn', 'error', 'fatal']);

/** Parses an operational log line; security events (they carry `evt`) return null. */
function parseLogLine(text: string): Record<string, unknown> | null {
  if (text.includes('"evt":')) {
    return null;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Fetches a loopback admin path and resolves with the status and body. */
export function adminGet(port: number, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: pathname, headers, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`admin GET ${pathname} timed out after 5000 ms`)));
    request.on('error', reject);
  });
}

/** Reads unlabelled sample values from Prometheus text, by metric name. */
export function parsePrometheus(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (match) {
      values.set(match[1]!, Number(match[2]));
    }
  }
  return values;
}
