// A log collector that stops reading ctxproc's stdout: the shared stdout
// buffer stays within the stdout sink's max_buffer_bytes, every transaction
// still gets its reply, and each event is either written or counted as
// dropped, never lost without a count.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { waitFor } from '../helpers/service-harness.js';
import { startCli } from '../helpers/spawn-ctxproc.js';

const TRANSACTIONS = 400;
const BUFFER_BYTES = 65_536;

const LOG_EVERYTHING = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: stdout-bound }
rules:
  - id: log-all
    description: Logs every transaction with its request headers.
    actions:
      - log: { include: { headers: all } }
`;

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(name));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('unread stdout drops and counts events', async (t) => {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-stdout-bound-'));
  writeFileSync(path.join(directory, 'rules.yaml'), LOG_EVERYTHING);
  writeFileSync(path.join(directory, 'sinks.yaml'), `sinks:\n  - { name: stdout, type: stdout, max_buffer_bytes: ${BUFFER_BYTES} }\n`);
  const cli = await startCli(['--rules', path.join(directory, 'rules.yaml'), '--sinks', path.join(directory, 'sinks.yaml')]);
  t.after(() => cli.child.kill('SIGKILL'));
  cli.child.stdout!.pause();

  const client = new EnvoyClient({ target: `127.0.0.1:${cli.grpcPort}`, messageTimeoutMs: 10_000 });
  const padding = 'p'.repeat(1024);
  let answered = 0;
  for (let index = 0; index < TRANSACTIONS; index += 1) {
    const result = await client.run(
      { method: 'GET', path: `/orders/${index}`, scheme: 'http', authority: 'shop.example', headers: [['x-request-id', `bound-${index}`], ['x-padding', padding]] },
      () => ({ status: 200, headers: [], body: Buffer.from('ok') }),
    );
    answered += result.protocolErrors.length === 0 && !result.timedOut ? 1 : 0;
  }
  client.close();
  const metrics = await (await fetch(`http://127.0.0.1:${cli.adminPort}/metrics`)).text();

  cli.child.stdout!.resume();
  const sent = metricValue(metrics, 'ctxproc_sink_events_sent_total{sink="stdout"}');
  const dropped = metricValue(metrics, 'ctxproc_sink_events_dropped_total{sink="stdout",reason="queue_full"}');
  const events = () => cli.lines.filter((line) => line.ctxproc?.kind === 'security_event').length;
  await waitFor(() => events() >= sent, 20_000);

  assert.equal(answered, TRANSACTIONS);
  assert.ok(dropped > 0, 'no event was dropped, so the buffer bound did not apply');
  assert.equal(sent + dropped, TRANSACTIONS);
  assert.equal(events(), sent);
  assert.match(cli.stderr(), /stdout's buffer is full because its reader is too slow/);
});

/** Sends transactions whose events fill stdout's pipe and buffer while the test reads none of them. */
async function fillStdout(grpcPort: number, transactions: number): Promise<void> {
  const client = new EnvoyClient({ target: `127.0.0.1:${grpcPort}`, messageTimeoutMs: 10_000 });
  const padding = 'p'.repeat(1024);
  for (let index = 0; index < transactions; index += 1) {
    await client.run(
      { method: 'GET', path: `/fill/${index}`, scheme: 'http', authority: 'shop.example', headers: [['x-padding', padding]] },
      () => ({ status: 200, headers: [], body: Buffer.from('ok') }),
    );
  }
  client.close();
}

/** Resolves with the exit code after SIGTERM, or rejects when the process is still running after boundMs. */
function stopWithin(cli: Awaited<ReturnType<typeof startCli>>, boundMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ctxproc was still running ${boundMs} ms after SIGTERM`)), boundMs);
  });
  return Promise.race([cli.stop('SIGTERM'), hung]).finally(() => clearTimeout(timer));
}

async function startLoggingEverything(t: { after(fn: () => void): void }): Promise<Awaited<ReturnType<typeof startCli>>> {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-stdout-exit-'));
  writeFileSync(path.join(directory, 'rules.yaml'), LOG_EVERYTHING);
  writeFileSync(path.join(directory, 'sinks.yaml'), `sinks:\n  - { name: stdout, type: stdout, max_buffer_bytes: ${BUFFER_BYTES} }\n`);
  const cli = await startCli(['--rules', path.join(directory, 'rules.yaml'), '--sinks', path.join(directory, 'sinks.yaml'), '--shutdown-grace', '500']);
  t.after(() => cli.child.kill('SIGKILL'));
  return cli;
}

// The sinks get at least 5 s and the exit 2 s more, so 30 s means a hang.
const EXIT_BOUND_MS = 30_000;

test('SIGTERM exits while stdout is full and unread', async (t) => {
  const cli = await startLoggingEverything(t);
  cli.child.stdout!.pause();
  await fillStdout(cli.grpcPort, 300);

  const code = await stopWithin(cli, EXIT_BOUND_MS);

  assert.equal(code, 1);
  assert.match(cli.stderr(), /stdout could not take the last log lines and security events \(its reader took nothing within 2000 ms\)/);
});

test('SIGTERM exits when stdout’s reader leaves', async (t) => {
  const cli = await startLoggingEverything(t);
  cli.child.stdout!.pause();
  await fillStdout(cli.grpcPort, 300);

  // The reader leaves after the sinks' 5 s deadline, while the exit is
  // still writing out the buffer: each write then fails with EPIPE.
  const stopped = stopWithin(cli, EXIT_BOUND_MS);
  await delay(5_500);
  cli.child.stdout!.destroy();
  const code = await stopped;

  assert.equal(code, 1);
  assert.match(cli.stderr(), /stdout could not take the last log lines and security events \(writing failed/);
});
