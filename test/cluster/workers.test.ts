import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { LoadTarget, runClosedLoop } from '../../bench/driver/load.js';
import { buildTransactions } from '../../bench/driver/traffic.js';
import { CLI, startCli } from '../helpers/spawn-ctxproc.js';
import { REPO_ROOT } from '../helpers/service-harness.js';

interface WorkerState {
  worker: number;
  pid: number;
  ready: boolean;
  restarts: number;
}

async function adminGet(port: number, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
}

async function workers(port: number): Promise<WorkerState[]> {
  return JSON.parse((await adminGet(port, '/workers')).text) as WorkerState[];
}

async function completedStreams(port: number): Promise<number> {
  const { text } = await adminGet(port, '/metrics');
  return Number(/^ctxproc_streams_total\{end="completed"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Polls `read` every 20 ms until `done` returns true or 10 s pass; returns the last value read. */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

test('serve --workers aggregates workers', async (context) => {
  const cli = await startCli(['--workers', '2']);
  context.after(() => cli.stop());

  const states = await workers(cli.adminPort);
  assert.equal(states.length, 2);
  assert.ok(states.every((state) => state.ready));
  assert.notEqual(states[0]!.pid, states[1]!.pid);
  assert.equal((await adminGet(cli.adminPort, '/readyz')).status, 200);

  // Four connections, handed out round-robin, reach both workers.
  const target = await LoadTarget.connect(cli.grpcPort, 4, buildTransactions('headers'));
  const result = await runClosedLoop(target, 8, { durationMs: 60_000, maxTransactions: 200 });
  target.close();
  assert.equal(result.completed, 200);
  assert.equal(result.failed, 0);
  assert.equal(await pollUntil(() => completedStreams(cli.adminPort), (count) => count >= 200), 200);

  const rules = JSON.parse((await adminGet(cli.adminPort, '/rules')).text) as { version: string };
  assert.match(rules.version, /^sha256:/);
});

test('serve --workers restarts a dead worker', async (context) => {
  const cli = await startCli(['--workers', '2']);
  context.after(() => cli.stop());
  const [first] = await workers(cli.adminPort);

  process.kill(first!.pid, 'SIGKILL');

  const states = await pollUntil(() => workers(cli.adminPort), (current) => current[0]!.restarts === 1 && current[0]!.ready);
  assert.equal(states[0]!.restarts, 1);
  assert.equal(states[0]!.ready, true);
  assert.notEqual(states[0]!.pid, first!.pid);
  assert.ok(cli.lines.some((line) => line.message === 'ctxproc worker exited; starting a new one' && line.worker === 0));
});

test('serve --workers stops every worker', async () => {
  const cli = await startCli(['--workers', '2']);
  const pids = (await workers(cli.adminPort)).map((state) => state.pid);

  assert.equal(await cli.stop(), 0);
  for (const pid of pids) {
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} still runs after the primary exited`);
  }
});

test('serve --workers reports each worker rule reload', async (context) => {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-workers-rules-'));
  const ruleFile = path.join(directory, 'rules.yaml');
  const ruleSet = (tag: string) => `apiVersion: ctxproc.dev/v1\nkind: RuleSet\nmetadata:\n  name: workers\nrules:\n  - id: tag-all\n    description: Tags every request.\n    actions:\n      - tag: { seen: ${tag} }\n`;
  writeFileSync(ruleFile, ruleSet('one'));
  const cli = await startCli(['--workers', '2', '--rules', directory]);
  context.after(async () => {
    await cli.stop();
    rmSync(directory, { recursive: true, force: true });
  });
  const rulesOf = async () => JSON.parse((await adminGet(cli.adminPort, '/rules')).text) as { version: string; lastRejected: unknown; workers: Array<{ rules_version: string }> };

  const before = await rulesOf();
  writeFileSync(ruleFile, ruleSet('two'));
  const after = await pollUntil(rulesOf, (rules) => rules.version !== before.version && rules.version !== 'mixed');
  assert.notEqual(after.version, before.version, 'the primary never saw the reload');
  assert.ok(after.workers.every((worker) => worker.rules_version === after.version), JSON.stringify(after.workers));

  writeFileSync(ruleFile, 'rules: [');
  const rejected = await pollUntil(rulesOf, (rules) => rules.lastRejected !== null);
  assert.notEqual(rejected.lastRejected, null, 'the primary never saw the rejected reload');
  assert.equal(rejected.version, after.version, 'a rejected set must not replace the active one');
});

test('serve --workers stops cleanly when signalled while starting', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', '--workers', '2', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--shutdown-delay', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // Signal once the primary has forked its workers (its signal handlers are
  // in place by then) and before they serve: workers run their rule tests first.
  const deadline = Date.now() + 10_000;
  while (forkedWorkers(child.pid!) === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(forkedWorkers(child.pid!) > 0, 'the primary forked no worker within 10 s');
  assert.doesNotMatch(output, /ctxproc started/, 'the service started before the test could signal it');
  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
  if (code === 'hung') {
    child.kill('SIGKILL');
  }

  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /starting a new one/, 'a worker stopped by the signal was restarted');
});

/** Counts the child processes of pid, from Linux's /proc. */
function forkedWorkers(pid: number): number {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length;
  } catch {
    return 0;
  }
}
