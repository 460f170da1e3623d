// SIGTERM while Envoy keeps ctxproc busy: readiness turns false first, the
// transactions in flight complete, and every event reaches stdout.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { EnvoyClient, type TransactionResult } from '../../src/client/envoy-client.js';
import { startCli } from '../helpers/spawn-ctxproc.js';

const WORKERS = 32;
const READINESS_POLL_MS = 25;
/** Longer than a few readiness polls, as a load balancer needs a few health checks. */
const SHUTDOWN_DELAY_MS = 500;

function failed(result: TransactionResult): boolean {
  return result.protocolErrors.length > 0 || result.timedOut || result.localReply || result.grpcStatus !== null;
}

test('SIGTERM under load fails nothing', async () => {
  const cli = await startCli(['--shutdown-delay', String(SHUTDOWN_DELAY_MS)]);
  const client = new EnvoyClient({ target: `127.0.0.1:${cli.grpcPort}`, messageTimeoutMs: 5000 });
  let ready = true;
  let sawNotReady = false;
  const exit = cli.stop.bind(cli);

  // Plays the load balancer: it stops sending new transactions once /readyz says not ready.
  const poller = (async () => {
    while (ready) {
      try {
        const response = await fetch(`http://127.0.0.1:${cli.adminPort}/readyz`);
        ready = response.status === 200;
        sawNotReady ||= response.status === 503;
      } catch {
        ready = false;
      }
      await new Promise((resolve) => setTimeout(resolve, READINESS_POLL_MS));
    }
  })();

  const results: TransactionResult[] = [];
  const worker = async (id: number) => {
    for (let i = 0; ready; i += 1) {
      const status = i % 2 === 0 ? 404 : 200;
      results.push(await client.run({ method: 'GET', path: `/w${id}/${i}`, scheme: 'http', authority: 'shop.example', headers: [] }, () => ({ status, headers: [] })));
    }
  };
  const load = Promise.all(Array.from({ length: WORKERS }, (_, id) => worker(id)));

  await new Promise((resolve) => setTimeout(resolve, 700));
  const code = await Promise.all([exit('SIGTERM'), load, poller]).then(([exitCode]) => exitCode);
  client.close();
  // The child can exit before the pipe has handed over its last lines.
  if (!cli.child.stdout!.readableEnded) {
    await once(cli.child.stdout!, 'end');
  }

  const logged = results.filter((result) => result.downstreamResponse.status === 404).length;
  const events = cli.lines.filter((line) => line.evt?.name === 'ctxproc.http.transaction');

  assert.equal(code, 0);
  assert.ok(sawNotReady, '/readyz reported 503 before the port closed');
  assert.ok(results.length > WORKERS, `${results.length} transactions ran`);
  assert.deepEqual(results.filter(failed).map((result) => result.protocolErrors.concat(result.grpcStatus?.details ?? '')), []);
  assert.equal(events.length, logged, 'one event per logged transaction');
});

test('SIGTERM waits for a slow upstream within the grace period', async () => {
  // The transaction ends after the grace period alone but before the delay
  // plus the grace period, the time ctxproc gives open streams.
  const delayMs = 1000;
  const graceMs = 3000;
  const upstreamMs = 3500;
  const cli = await startCli(['--shutdown-delay', String(delayMs), '--shutdown-grace', String(graceMs)]);
  const client = new EnvoyClient({ target: `127.0.0.1:${cli.grpcPort}`, messageTimeoutMs: 10_000 });

  let signalled: () => void = () => {};
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  const transaction = client.run({ method: 'GET', path: '/slow', scheme: 'http', authority: 'shop.example', headers: [['x-request-id', 'slow-1']] }, async () => {
    signalled();
    await new Promise((resolve) => setTimeout(resolve, upstreamMs));
    return { status: 503, headers: [] };
  });
  await signal;
  const [code, result] = await Promise.all([cli.stop('SIGTERM'), transaction]);
  client.close();
  if (!cli.child.stdout!.readableEnded) {
    await once(cli.child.stdout!, 'end');
  }

  assert.equal(code, 0, cli.stderr());
  assert.equal(failed(result), false);
  assert.equal(result.downstreamResponse.status, 503);
  assert.equal(cli.lines.filter((line) => line.http?.request_id === 'slow-1').length, 1, 'the event of the slow transaction');
  assert.equal(cli.lines.some((line) => /had not finished starting/.test(String(line.message))), false);
});
