// bench:unread-replies checks its options before it starts ctxproc: a bad
// one ends the script with exit code 2 and a message naming it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/service-harness.js';

const SCRIPT = path.join(REPO_ROOT, 'dist/bench/unread-replies.js');

const CASES: Array<{ args: string[]; message: RegExp }> = [
  { args: ['--stream', '3'], message: /Unknown option '--stream'/ },
  { args: ['20'], message: /Unexpected argument '20'/ },
  { args: ['--streams'], message: /'--streams <value>' argument missing/ },
  { args: ['--streams', 'ten'], message: /--streams is "ten"; expected a whole number from 1 to 2000/ },
  { args: ['--streams', '0'], message: /--streams is 0; expected a whole number from 1 to 2000 \(the client opens them on one connection/ },
  { args: ['--streams', '2001'], message: /--streams is 2001; expected a whole number from 1 to 2000/ },
  { args: ['--chunks', '1e3'], message: /--chunks is "1e3"; expected a whole number/ },
  { args: ['--chunks', '1000001'], message: /--chunks is 1000001; expected a whole number from 1 to 1000000/ },
  { args: ['--chunk-bytes', '4194289'], message: /--chunk-bytes is 4194289; expected a whole number from 0 to 4194288/ },
  { args: ['--window=-1'], message: /--window is "-1"; expected a whole number/ },
  { args: ['--window', '2147483648'], message: /--window is 2147483648; expected a whole number from 0 to 2147483647/ },
  { args: ['--transport', 'http2,http3'], message: /--transport names "http3"; expected a comma-separated list of/ },
];

for (const { args, message } of CASES) {
  test(`unread-replies rejects ${args.join(' ')}`, () => {
    const result = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000 });

    assert.equal(result.status, 2, `stderr: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /usage: npm run bench:unread-replies --/);
    assert.equal(result.stdout, '');
  });
}

test('unread-replies prints its usage for --help', () => {
  const result = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8', timeout: 30_000 });

  assert.equal(result.status, 0, `stderr: ${result.stderr}`);
  assert.match(result.stdout, /^usage: npm run bench:unread-replies --/);
});
