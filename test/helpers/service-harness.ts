// Starts a real ctxproc service in the test process on a loopback port, with
// its security events and operational logs captured as parsed JSON lines.
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defaultSettings, type Settings } from '../../src/config/settings.js';
import { createLogger } from '../../src/log/logger.js';
import { startService, type RunningService } from '../../src/service.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface TestService {
  service: RunningService;
  target: string;
  /** Security events written so far, parsed. */
  events: Array<Record<string, any>>;
  /** Every line written to the event stream, raw. */
  eventLines: string[];
  /** Operational log lines written so far, parsed. */
  logs: Array<Record<string, any>>;
  /** Raw text of every log line, for secret scans. */
  logLines: string[];
  stop(): Promise<void>;
}

function capture(lines: string[], parsed: Array<Record<string, any>>): PassThrough {
  const stream = new PassThrough();
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      lines.push(line);
      parsed.push(JSON.parse(line) as Record<string, any>);
      newline = pending.indexOf('\n');
    }
  });
  return stream;
}

/** Starts ctxproc with the given rules (default: the shipped rules/ directory). */
export async function startTestService(overrides: Partial<Settings> = {}): Promise<TestService> {
  const events: Array<Record<string, any>> = [];
  const eventLines: string[] = [];
  const logs: Array<Record<string, any>> = [];
  const logLines: string[] = [];
  const settings: Settings = {
    ...defaultSettings(),
    rules: path.join(REPO_ROOT, 'rules'),
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    shutdownGraceMs: 2000,
    shutdownDelayMs: 0,
    ...overrides,
  };
  const logger = createLogger({ level: 'info', destination: capture(logLines, logs) });
  const service = await startService({ settings, logger, eventDestination: capture(eventLines, events), processMetrics: false });

  return {
    service,
    target: `127.0.0.1:${service.grpcPort}`,
    events,
    eventLines,
    logs,
    logLines,
    stop: () => service.stop(),
  };
}

/** Waits until `predicate` holds, polling every 10 ms, for at most `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
