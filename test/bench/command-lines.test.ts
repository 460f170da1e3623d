// Every benchmark script prints its usage for --help, and rejects a bad
// option with exit code 2, a message naming it and the usage, before it
// starts any server. Each runs as a child process from dist/.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/service-harness.js';

interface ScriptCase {
  /** Path under dist/bench/, without .js. */
  script: string;
  /** The first line of the usage. */
  usage: string;
  /** Options the usage must list, besides --help. */
  options: string[];
  /** Arguments with one bad value, and the message expected for it. */
  bad: { args: string[]; message: RegExp };
}

const SCRIPTS: ScriptCase[] = [
  {
    script: 'run',
    usage: 'usage: npm run bench -- [options]',
    options: ['--quick', '--json', '--scenarios NAMES', '--no-pin', '--cpu-prof DIR'],
    bad: { args: ['--scenarios', 'headers_default,nope'], message: /^bench: --scenarios names "nope"; expected a comma-separated list of .*headers_default/ },
  },
  {
    script: 'soak',
    usage: 'usage: npm run soak -- [options]',
    options: ['--minutes N', '--rate PER_SECOND', '--in-flight N', '--sample-seconds N', '--warmup-fraction F', '--out FILE'],
    bad: { args: ['--in-flight', '0.5'], message: /^soak: --in-flight is "0\.5"; expected a whole number from 1 to 2000/ },
  },
  {
    script: 'fuzz',
    usage: 'usage: npm run fuzz -- [options]',
    options: ['--count N', '--seconds N', '--seed N', '--concurrency N', '--max-message-bytes BYTES', '--hang-ms MS', '--max-rss-mib MIB', '--cases-per-connection N', '--save FILE', '--replay SEED'],
    bad: { args: ['--count', 'abc'], message: /^fuzz: --count is "abc"; expected a whole number of at least 1/ },
  },
  {
    script: 'adversarial',
    usage: 'usage: npm run bench:adversarial -- [options]',
    options: ['--sections NAMES', '--trials N', '--inputs ROWS', '--rules COUNTS', '--reload SPECS', '--pace-ms MS'],
    bad: { args: ['--sections', 'inputs,tables'], message: /^adversarial: --sections names "tables"; expected a comma-separated list of inputs, rules, reload/ },
  },
  {
    script: 'reload-gc',
    usage: 'usage: npm run bench:reload-gc -- [options]',
    options: ['--reload SPECS', '--trials N', '--parse MODE', '--child COUNTxFILES'],
    bad: { args: ['--reload', '1000x3'], message: /^reload-gc: --reload item "1000x3": 1000 rules do not divide evenly into 3 files/ },
  },
  {
    script: 'session-path',
    usage: 'usage: node dist/bench/session-path.js [options]',
    options: ['--scenario NAME', '--rules PATH', '--count N', '--in-flight N', '--no-index', '--events', '--content-encoding CODING'],
    bad: { args: ['--count', '10', '--in-flight', '11'], message: /^session-path: --in-flight is 11; expected a whole number from 1 to 10/ },
  },
  {
    script: 'unread-replies',
    usage: 'usage: npm run bench:unread-replies -- [options]',
    options: ['--transport NAMES', '--streams N', '--chunks N', '--chunk-bytes BYTES', '--window BYTES'],
    bad: { args: ['--streams', '0'], message: /^unread-replies: --streams is 0; expected a whole number from 1 to 2000/ },
  },
  {
    script: 'profile-summary',
    usage: 'usage: node dist/bench/profile-summary.js [options] FILE [TOP]',
    options: [],
    bad: { args: ['package.json', 'many'], message: /^profile-summary: TOP is "many"; expected a whole number of at least 1/ },
  },
  {
    script: 'cel/compiled-vs-interpreted',
    usage: 'usage: npm run bench:cel -- [options]',
    options: [],
    bad: { args: ['--rounds', '3'], message: /^bench:cel: Unknown option '--rounds'/ },
  },
  {
    script: 'detection/detect-request',
    usage: 'usage: npm run bench:detection -- [options]',
    options: [],
    bad: { args: ['extra'], message: /^bench:detection: Unexpected argument 'extra'/ },
  },
  {
    script: 'detection/libddwaf-corpus',
    usage: 'usage: npm run bench:detection:libddwaf -- [options] [PATH ...]',
    options: ['--false-positives', '--misses'],
    bad: { args: ['--miss'], message: /^libddwaf-corpus: Unknown option '--miss'/ },
  },
  {
    script: 'baseline/server',
    usage: 'usage: node dist/bench/baseline/server.js [options] [PORT]',
    options: [],
    bad: { args: ['70000'], message: /^baseline: PORT is 70000; expected a whole number from 0 to 65535/ },
  },
  {
    script: 'baseline/http2-floor',
    usage: 'usage: node dist/bench/baseline/http2-floor.js [options] [PORT]',
    options: [],
    bad: { args: ['8080', '8081'], message: /^http2-floor: expected at most one PORT, got 2 arguments/ },
  },
  {
    script: 'driver/main',
    usage: 'usage: node dist/bench/driver/main.js [options]',
    options: [],
    bad: { args: ['extra'], message: /^bench driver: Unexpected argument 'extra'/ },
  },
];

function run(script: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/bench', `${script}.js`), ...args], { encoding: 'utf8', timeout: 30_000 });
}

for (const { script, usage, options, bad } of SCRIPTS) {
  test(`${script} prints usage for --help`, () => {
    const result = run(script, ['--help']);

    assert.equal(result.status, 0, `stderr: ${result.stderr}`);
    assert.equal(result.stderr, '');
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], usage);
    for (const option of options) {
      const line = lines.find((candidate) => candidate.startsWith(`  ${option} `));
      assert.ok(line !== undefined, `usage lacks ${option}:\n${result.stdout}`);
      assert.match(line, /\(default: [^)]+\)/, `usage gives no default for ${option}`);
    }
    assert.ok(lines.some((line) => line.startsWith('  --help ')), `usage lacks --help:\n${result.stdout}`);
  });

  test(`${script} rejects a bad value`, () => {
    const result = run(script, bad.args);

    assert.equal(result.status, 2, `stderr: ${result.stderr}`);
    assert.match(result.stderr, bad.message);
    assert.ok(result.stderr.includes(`\n${usage}\n`), `stderr lacks the usage: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'stderr holds a stack trace');
    assert.equal(result.stdout, '');
  });

  test(`${script} rejects an unknown option`, () => {
    const result = run(script, ['--bogus']);

    assert.equal(result.status, 2, `stderr: ${result.stderr}`);
    assert.match(result.stderr, /Unknown option '--bogus'/);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'stderr holds a stack trace');
  });
}
