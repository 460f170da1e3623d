// Replays recorded traffic through a running `ctxproc serve` exactly as Envoy
// would, and checks the server's stdout: with the default rules (attack
// detection rules left out), one security event for each transaction whose
// response was not 200 or 201, and no other.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { TransactionResult } from '../../src/client/envoy-client.js';
import { replayFiles } from '../../src/replay/run.js';
import { REPO_ROOT } from '../helpers/service-harness.js';
import { runCli, startCli } from '../helpers/spawn-ctxproc.js';

const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/crs/tests');
const HAR_DIR = path.join(REPO_ROOT, 'test/fixtures/har');
const DEFAULT_RULES = path.join(REPO_ROOT, 'rules/default.yaml');

async function replayAgainstServer(paths: string[]) {
  const cli = await startCli(['--rules', DEFAULT_RULES]);
  const results: TransactionResult[] = [];
  try {
    // These tests check that every message gets a reply, not how fast. A 2 s
    // message timeout keeps a loaded CI machine from failing them, which
    // Envoy's default of 200 ms would.
    const clientOptions = { messageTimeoutMs: 2000 };
    const summary = await replayFiles(paths, { target: `127.0.0.1:${cli.grpcPort}`, concurrency: 64, clientOptions, onResult: (_item, result) => results.push(result) });
    const code = await cli.stop('SIGTERM');
    return { summary, results, code, lines: cli.lines };
  } finally {
    cli.child.kill('SIGKILL');
  }
}

function unsuccessfulTransactionIds(results: TransactionResult[]): string[] {
  return results
    .filter((result) => ![200, 201].includes(result.downstreamResponse.status))
    .map((result) => (result.dynamicMetadata.ctxproc as { transaction_id: string }).transaction_id)
    .sort();
}

function eventTransactionIds(lines: Array<Record<string, any>>): string[] {
  return lines.filter((line) => line.ctxproc?.kind === 'security_event').map((line) => line.ctxproc.transaction_id as string).sort();
}

test('recorded traffic: events are exactly the unsuccessful transactions', async () => {
  const run = await replayAgainstServer([HAR_DIR]);

  assert.equal(run.code, 0);
  assert.equal(run.summary.protocol_errors, 0);
  assert.equal(run.summary.timeouts, 0);
  assert.ok(run.summary.transactions > 0);
  const expected = unsuccessfulTransactionIds(run.results);
  assert.ok(expected.length > 0, 'the recordings have no unsuccessful transaction');
  assert.deepEqual(eventTransactionIds(run.lines), expected);
  assert.equal(run.summary.logged, expected.length);
});

test('CRS corpus: no protocol error, no timeout, events exactly the unsuccessful', async (t) => {
  if (!existsSync(CORPUS)) {
    t.skip(`CRS corpus not found at ${CORPUS}; it ships beside the repository in CI only`);
    return;
  }
  const run = await replayAgainstServer([CORPUS]);

  assert.equal(run.code, 0);
  assert.equal(run.summary.protocol_errors, 0, JSON.stringify(run.summary.errors_by_kind));
  assert.equal(run.summary.timeouts, 0);
  assert.equal(run.summary.failed, 0);
  assert.ok(run.summary.transactions > 2000, `only ${run.summary.transactions} transactions replayed`);
  assert.deepEqual(eventTransactionIds(run.lines), unsuccessfulTransactionIds(run.results));
});

test('replay command prints a JSON summary last', async () => {
  const result = await runCli(['replay', HAR_DIR, '--json']);
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  const summary = JSON.parse(lastLine) as Record<string, number>;

  assert.equal(result.code, 0, result.stderr);
  for (const key of ['transactions', 'logged', 'blocked', 'mutated', 'protocol_errors', 'timeouts']) {
    assert.equal(typeof summary[key], 'number', `summary has no ${key}`);
  }
  assert.ok(summary.logged! > 0);
});

test('replay command fails on an unreachable server', async () => {
  const result = await runCli(['replay', HAR_DIR, '--server', '127.0.0.1:1', '--json', '--message-timeout', '200']);
  const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;

  assert.equal(result.code, 1);
  assert.ok(summary.protocol_errors! > 0 || summary.failed! > 0);
});

test('replay command names a missing input', async () => {
  const missing = path.join(REPO_ROOT, 'test/fixtures/no-such-recording.har');
  const result = await runCli(['replay', missing, '--json']);

  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim(), `ctxproc: replay input ${missing} cannot be read (ENOENT); pass existing HAR or go-ftw YAML files or folders`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'a stack trace was printed');
});

test('replay command names invalid rules', async () => {
  const result = await runCli(['replay', HAR_DIR, '--rules', 'test/fixtures/rules/broken/bad-cel.yaml', '--json']);

  assert.equal(result.code, 1);
  assert.match(result.stderr, /^test\/fixtures\/rules\/broken\/bad-cel\.yaml:7:30: invalid CEL in when/);
  assert.match(result.stderr, /ctxproc: the rules do not load, so nothing was replayed; fix the problems above\n$/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'a stack trace was printed');
});
