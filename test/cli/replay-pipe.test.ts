// `ctxproc replay ... | head`: a reader that closes stdout once it has the
// lines it wants is no lost-event fault, so replay stops without a word, as
// a Unix tool ended by SIGPIPE does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/service-harness.js';
import { CLI } from '../helpers/spawn-ctxproc.js';

const FIXTURES = [path.join(REPO_ROOT, 'test/fixtures/har'), path.join(REPO_ROOT, 'test/fixtures/ftw')];

/** Runs replay, closes its stdout after the first line as `head -1` does, and resolves with the exit code and stderr. */
function replayIntoClosedPipe(): Promise<{ code: number | null; stderr: string; firstLine: string }> {
  const child = spawn(process.execPath, [CLI, 'replay', ...FIXTURES], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('\n')) {
      child.stdout.destroy();
    }
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`replay did not exit within 60 s after its reader left; stderr: ${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, firstLine: stdout.split('\n')[0]! });
    });
  });
}

test('replay stops quietly when its reader leaves', async () => {
  const run = await replayIntoClosedPipe();

  assert.equal(JSON.parse(run.firstLine).ctxproc.kind, 'security_event');
  assert.doesNotMatch(run.stderr, /not reaching the log collector/);
  assert.doesNotMatch(run.stderr, /destination failed/);
  assert.equal(run.stderr, '');
  assert.equal(run.code, 141);
});
