// Tries docs/deploy.md as a new user would. Every shell command in it that
// can run without a cluster, an Envoy binary or a container engine runs and
// must succeed. The other commands must name files that exist, and the
// listed Kustomize output must be what the overlay renders.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { kustomizeBuild } from '../helpers/kustomize/build.js';
import { REPO_ROOT } from '../helpers/service-harness.js';
import { repoPath } from './envoy-config.js';

const DOC = readFileSync(repoPath('docs', 'deploy.md'), 'utf8');
const SCRIPTS = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

// Tools the test environment lacks. Their commands do not run, but their file arguments must exist.
const EXTERNAL_TOOLS = ['kubectl', 'envoy', 'docker'];
// npm commands that install, test or serve: their scripts must exist, but a
// test cannot run them (npm test would run itself, npm start never ends).
const NPM_LIFECYCLE = /^npm (ci|test|start)$/;
const NPM_RUN = /^npm run --silent (\S+) -- /;

/** Returns the command lines of every ```sh block, in order. */
function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^\s*```sh\n([\s\S]*?)^\s*```/gm)].map((match) => match[1]!);
  return blocks.flatMap((block) => block.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')));
}

function run(command: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', ['-c', command], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const commands = shellCommands(DOC);

test('deploy docs commands are classified', () => {
  assert.ok(commands.length >= 10, `found only ${commands.length} commands`);
  for (const command of commands) {
    const tool = command.split(/\s+/)[0]!;
    const known = EXTERNAL_TOOLS.includes(tool) || NPM_LIFECYCLE.test(command) || NPM_RUN.test(command);
    assert.ok(known, `docs/deploy.md command "${command}" is neither runnable here nor a known external tool`);
  }
});

test('deploy docs npm scripts exist', () => {
  for (const command of commands) {
    const lifecycle = NPM_LIFECYCLE.exec(command);
    const script = lifecycle?.[1] ?? NPM_RUN.exec(command)?.[1];
    if (script && script !== 'ci') {
      assert.ok(SCRIPTS[script], `docs/deploy.md runs npm script ${script}, which package.json lacks`);
    }
  }
});

test('deploy docs runnable commands succeed', () => {
  const runnable = commands.filter((command) => NPM_RUN.test(command));
  assert.ok(runnable.length >= 3, `found ${runnable.length} runnable commands`);

  for (const command of runnable) {
    const result = run(command);
    const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
    assert.ok(result.stdout.length > 0, `${command} printed nothing`);
    if (command.includes(' replay ')) {
      checkReplay(command, result.status, lastLine);
      continue;
    }
    assert.equal(result.status, 0, `${command} exited with ${result.status}: ${result.stderr}`);
  }
});

/**
 * Checks a replay's JSON summary. replay also exits 1 when a reply misses
 * Envoy's 200 ms message timeout, which a loaded test machine can cause.
 * So timeouts alone do not fail the docs, but any other failure does.
 */
function checkReplay(command: string, status: number | null, lastLine: string): void {
  const summary = JSON.parse(lastLine) as { transactions: number; protocol_errors: number; failed: number; timeouts: number; file_errors: unknown[] };
  const onlyTimeouts = status === 1 && summary.timeouts > 0;

  assert.ok(status === 0 || onlyTimeouts, `${command} exited with ${status}: ${lastLine}`);
  assert.ok(summary.transactions > 0, `${command} replayed no transaction`);
  assert.equal(summary.protocol_errors, 0, `${command}: ${lastLine}`);
  assert.equal(summary.failed, 0, `${command}: ${lastLine}`);
  assert.deepEqual(summary.file_errors, [], `${command}: ${lastLine}`);
}

test('deploy docs external commands name real files', () => {
  for (const command of commands.filter((line) => EXTERNAL_TOOLS.includes(line.split(/\s+/)[0]!))) {
    const paths = command.split(/\s+/).filter((word) => /^(envoy|deploy)\//.test(word) || word === '.');
    for (const file of paths) {
      assert.ok(existsSync(repoPath(file)), `${command}: ${file} does not exist`);
    }
  }
});

test('deploy docs list the kustomize output', () => {
  const match = /<!-- kustomize-output: (\S+) -->\n```text\n([\s\S]*?)```/.exec(DOC);
  assert.ok(match, 'docs/deploy.md has no kustomize-output block');

  const documented = match[2]!.trim().split('\n');
  const rendered = kustomizeBuild(repoPath(match[1]!)).map((object) => `${object.kind}/${object.metadata.name.replace(/-[a-z0-9]{10}$/, '-<hash>')}`);
  assert.deepEqual(documented, rendered);

  const command = commands.find((line) => line.startsWith('npm run --silent kustomize -- '));
  assert.ok(command, 'docs/deploy.md shows no npm run kustomize command');
  const printed = run(command).stdout.match(/^kind: .*$/gm)!.map((line) => line.slice('kind: '.length));
  assert.deepEqual(printed, documented.map((line) => line.split('/')[0]));
});
