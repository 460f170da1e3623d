// `ctxproc serve --sinks`: the flag, DD_API_KEY from the environment, and
// the startup errors for a bad sinks file or a rule that names an
// undeclared sink, through the real command line.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import { waitFor } from '../helpers/service-harness.js';
import { runCli, startCli } from '../helpers/spawn-ctxproc.js';
import { FakeIntake } from '../sinks/fake-intake.js';

const API_KEY = 'dd-cli-test-key-5a4b3c2d1e0f9a8b7c6d';
const intake = new FakeIntake();

after(() => intake.stop());

function workspace(files: Record<string, string>): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-cli-sinks-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(directory, name), text);
  }
  return directory;
}

const LOG_RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: cli-sinks }
rules:
  - id: log-to-datadog
    description: Sends every event to the datadog sink.
    actions:
      - log: { sink: datadog }
`;

test('serve sends events to the sinks file', async (t) => {
  await intake.start();
  const directory = workspace({
    'rules.yaml': LOG_RULES,
    'sinks.yaml': `sinks:\n  - { name: stdout, type: stdout }\n  - { name: datadog, type: datadog, url: "${intake.url}", batch: { interval_ms: 20 } }\ndefault_sinks: [stdout]\n`,
  });
  const cli = await startCli(['--rules', path.join(directory, 'rules.yaml'), '--sinks', path.join(directory, 'sinks.yaml')], { DD_API_KEY: API_KEY });
  t.after(() => cli.child.kill('SIGKILL'));

  const client = new EnvoyClient({ target: `127.0.0.1:${cli.grpcPort}`, messageTimeoutMs: 10_000 });
  await client.run(
    { method: 'GET', path: '/cli', scheme: 'http', authority: 'shop.example', headers: [['x-request-id', 'cli-1']] },
    () => ({ status: 200, headers: [], body: Buffer.from('ok') }),
  );
  client.close();
  await waitFor(() => intake.accepted.length === 1, 20_000);
  const metrics = await (await fetch(`http://127.0.0.1:${cli.adminPort}/metrics`)).text();
  assert.equal(await cli.stop('SIGTERM'), 0);

  assert.equal(intake.accepted[0]?.http.request_id, 'cli-1');
  assert.equal(intake.requests[0]?.headers['dd-api-key'], API_KEY);
  assert.match(metrics, /ctxproc_sink_events_sent_total\{sink="datadog"\} 1/);
  assert.equal(cli.lines.filter((line) => line.ctxproc?.kind === 'security_event').length, 0, 'the event reached stdout, which the rule did not name');
  assert.ok(!JSON.stringify(cli.lines).includes(API_KEY), 'the API key reached stdout');
  assert.ok(!cli.stderr().includes(API_KEY), 'the API key reached stderr');
});

test('undeclared sink in a rule stops startup', async () => {
  const directory = workspace({ 'rules.yaml': LOG_RULES });
  const result = await runCli(['serve', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--rules', path.join(directory, 'rules.yaml')]);

  assert.equal(result.code, 1);
  assert.match(result.stderr, /rules\.yaml:\d+:\d+: log action names sink 'datadog', which is not declared; declared sinks: stdout/);
});

test('invalid sinks file stops startup', async () => {
  const directory = workspace({ 'sinks.yaml': 'sinks:\n  - { name: datadog, type: datadog }\n' });
  const env = { DD_API_KEY: '' };
  const result = await runCli(['serve', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--sinks', path.join(directory, 'sinks.yaml')], env);

  assert.equal(result.code, 1);
  assert.match(result.stderr, /sink "datadog" has no API key/);
});

test('unwritable file sink stops startup', async () => {
  // A regular file where the sink's directory should be: creating the directory fails, as it does under a read-only root.
  const directory = workspace({ 'not-a-directory': 'x', 'sinks.yaml': '' });
  const target = path.join(directory, 'not-a-directory', 'events.jsonl');
  writeFileSync(path.join(directory, 'sinks.yaml'), `sinks:\n  - { name: archive, type: file, path: "${target}" }\n`);
  const result = await runCli(['serve', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--sinks', path.join(directory, 'sinks.yaml')]);

  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stderr, /file sink "archive" cannot open .*events\.jsonl for appending \((EEXIST|ENOTDIR)\); choose a writable path/);
});
