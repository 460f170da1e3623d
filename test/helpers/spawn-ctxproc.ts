// Runs the built `ctxproc` CLI as a child process, the way users run it, and
// collects its stdout as JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './service-harness.js';

export const CLI = path.join(REPO_ROOT, 'dist/src/cli/index.js');

export interface RunningCli {
  child: ChildProcess;
  lines: Array<Record<string, any>>;
  stderr: () => string;
  grpcPort: number;
  adminPort: number;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion, for at most `timeoutMs`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ctxproc ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `ctxproc serve` on loopback ports chosen by the system, with no shutdown delay unless `args` sets one, and waits for its start line. */
export function startCli(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--shutdown-delay', '0', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, any>> = [];
  let stderr = '';
  let pending = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ctxproc serve did not start within 15 s: ${stderr}`)), 15_000);
    child.on('exit', (code) => reject(new Error(`ctxproc serve exited with ${code} before starting: ${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = JSON.parse(pending.slice(0, newline)) as Record<string, any>;
        pending = pending.slice(newline + 1);
        lines.push(line);
        newline = pending.indexOf('\n');
        if (line.message === 'ctxproc started') {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({
            child,
            lines,
            stderr: () => stderr,
            grpcPort: line.grpc_port as number,
            adminPort: line.admin_port as number,
            stop: (signal = 'SIGTERM') => new Promise((resolveExit) => {
              child.once('exit', (code) => resolveExit(code));
              child.kill(signal);
            }),
          });
        }
      }
    });
  });
}
