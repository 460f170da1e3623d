import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { runCli, startCli } from '../helpers/spawn-ctxproc.js';

function healthCheck(port: number, service: string): Promise<string> {
  const definition = loadPackageDefinition(loadSync(healthProtoPath, { keepCase: true, enums: String }));
  const Health = ((definition.grpc as any).health.v1.Health) as ServiceClientConstructor;
  const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.check!({ service }, (error: Error | null, response: { status: string }) => {
      client.close();
      if (error) {
        reject(error);
        return;
      }
      resolve(response.status);
    });
  });
}

test('every command has help', async () => {
  for (const args of [['--help'], ['serve', '--help'], ['replay', '--help']]) {
    const result = await runCli(args);
    assert.equal(result.code, 0, `ctxproc ${args.join(' ')} exited ${result.code}`);
    assert.match(result.stdout, /Usage: ctxproc/);
  }
});

test('serve help lists flags and environment variables', async () => {
  const { stdout } = await runCli(['serve', '--help']);
  for (const expected of ['--listen', 'CTXPROC_LISTEN', '--admin', 'CTXPROC_ADMIN', '--rules', 'CTXPROC_RULES', '--log-level', 'CTXPROC_LOG_LEVEL']) {
    assert.ok(stdout.includes(expected), `serve --help does not mention ${expected}`);
  }
});

test('invalid setting exits 2 with the reason', async () => {
  const result = await runCli(['serve', '--listen', 'nowhere']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--listen is "nowhere"; expected host:port/);
});

test('invalid environment setting exits 2', async () => {
  const result = await runCli(['serve'], { CTXPROC_LOG_LEVEL: 'chatty' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /CTXPROC_LOG_LEVEL is "chatty"/);
});

test('unknown flag exits 2', async () => {
  const result = await runCli(['serve', '--no-such-flag']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown option '--no-such-flag'/);
});

test('flags win over environment variables', async (t) => {
  const env = { CTXPROC_SHUTDOWN_GRACE_MS: '9999', CTXPROC_BODY_LIMIT: '100', CTXPROC_MAX_MESSAGE_BYTES: '' };
  const cli = await startCli(['--shutdown-grace', '1234', '--body-limit', '2048'], env);
  t.after(() => cli.child.kill('SIGKILL'));
  const started = cli.lines.find((line) => line.message === 'ctxproc started')!;

  assert.equal(started.shutdown_grace_ms, 1234);
  assert.equal(started.body_limit_bytes, 2048);
  assert.equal(started.max_message_bytes, 4194304, 'an empty variable counts as unset');
  assert.equal(await cli.stop('SIGTERM'), 0);
});

test('invalid variable is named in the error', async () => {
  const result = await runCli(['serve'], { CTXPROC_BODY_LIMIT: 'lots' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /CTXPROC_BODY_LIMIT is "lots"/);
});

test('invalid rules stop startup with file:line:column', async () => {
  const result = await runCli(['serve', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--rules', 'test/fixtures/rules/broken/bad-cel.yaml']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /bad-cel\.yaml:\d+:\d+: /);
  const fatal = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>).find((line) => line.status === 'fatal');
  assert.equal(fatal?.error_code, 'CTXPROC_RULES_INVALID');
});

test('serve answers health, admin and ext_proc, then stops on SIGTERM', async (t) => {
  const cli = await startCli([], { CTXPROC_LOG_LEVEL: 'info' });
  t.after(() => cli.child.kill('SIGKILL'));

  assert.equal(await healthCheck(cli.grpcPort, 'envoy.service.ext_proc.v3.ExternalProcessor'), 'SERVING');
  assert.equal(await healthCheck(cli.grpcPort, ''), 'SERVING');

  const admin = `http://127.0.0.1:${cli.adminPort}`;
  assert.equal((await fetch(`${admin}/healthz`)).status, 200);
  assert.equal((await fetch(`${admin}/readyz`)).status, 200);
  const rules = (await (await fetch(`${admin}/rules`)).json()) as { version: string; ruleCount: number };
  assert.match(rules.version, /^sha256:[0-9a-f]{12}$/);
  assert.ok(rules.ruleCount >= 3);

  const client = new EnvoyClient({ target: `127.0.0.1:${cli.grpcPort}` });
  const result = await client.run(
    { method: 'GET', path: '/missing', scheme: 'http', authority: 'shop.example', headers: [['user-agent', 'cli-test']] },
    () => ({ status: 404, headers: [['content-type', 'text/plain']], body: Buffer.from('no') }),
  );
  client.close();
  assert.deepEqual(result.protocolErrors, []);

  const metrics = await (await fetch(`${admin}/metrics`)).text();
  for (const name of ['ctxproc_streams_total', 'ctxproc_phase_messages_total', 'ctxproc_protocol_errors_total', 'ctxproc_rule_hits_total', 'ctxproc_events_emitted_total']) {
    assert.ok(metrics.includes(name), `/metrics has no ${name}`);
  }
  assert.match(metrics, /ctxproc_rule_hits_total\{rule="log-unsuccessful"\} 1/);

  const code = await cli.stop('SIGTERM');
  assert.equal(code, 0);
  const events = cli.lines.filter((line) => line.ctxproc?.kind === 'security_event');
  assert.equal(events.length, 1);
  assert.equal(events[0]?.http.status_code, 404);
  assert.ok(cli.lines.some((line) => line.message === 'ctxproc stopped'));
  assert.ok(cli.lines.every((line) => typeof line.status === 'string'), 'a line has no string status');
});

test('SIGTERM lets an open stream finish', async (t) => {
  const cli = await startCli(['--shutdown-grace', '5000']);
  t.after(() => cli.child.kill('SIGKILL'));
  const client = new EnvoyClient({ target: `127.0.0.1:${cli.grpcPort}` });

  let stopped: Promise<number | null> | null = null;
  const result = await client.run(
    { method: 'GET', path: '/slow', scheme: 'http', authority: 'shop.example', headers: [] },
    async () => {
      // The upstream responds while ctxproc is already shutting down.
      stopped = cli.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { status: 500, headers: [], body: Buffer.from('upstream failed') };
    },
  );
  client.close();

  assert.deepEqual(result.protocolErrors, []);
  assert.equal(result.downstreamResponse.status, 500);
  assert.equal(await stopped, 0);
  const events = cli.lines.filter((line) => line.ctxproc?.kind === 'security_event');
  assert.equal(events.length, 1);
  assert.equal(events[0]?.http.status_code, 500);
});

test('repeated Ctrl-C stops without warning', async (t) => {
  const cli = await startCli([]);
  t.after(() => cli.child.kill('SIGKILL'));

  // The terminal and npm both deliver Ctrl-C to the process under `npm start`.
  cli.child.kill('SIGINT');
  const code = await cli.stop('SIGINT');

  assert.equal(code, 0);
  assert.equal(cli.lines.filter((line) => line.message === 'shutdown signal received').length, 1);
  assert.equal(cli.lines.some((line) => String(line.message).startsWith('shutdown already in progress')), false);
});
