// Measures the redactor's scan of one string with the baseline spec, as
// every logged event runs it on headers, bodies and fields. The texts are a
// 2 KB JSON body and a 6 KB log line without secrets (6 KB is the scan
// window of a 2048-character value). The third is 6 KB dense with near
// misses of token prefixes (`sk_`, `gh`, `xox`, `SG.`), the provider_token
// detector's worst ordinary case.
//
// Usage: node dist/bench/redaction-scan.js [--rounds N] [--count N]
// Each round scans every text `count` times and prints the cost per scan in
// microseconds, for the whole redactor and then for each baseline detector
// alone. Run two builds in turn on one pinned core (taskset -c 1) and
// compare the ranges, since one run on a shared machine is noise.
import { performance } from 'node:perf_hooks';
import { emptyRedactionSpec } from '../src/model/record.js';
import { BASELINE_DETECTORS, withBaseline } from '../src/redaction/baseline.js';
import { DETECTORS } from '../src/redaction/detectors.js';
import { Redactor } from '../src/redaction/redactor.js';
import { readCommandLine, type OptionSpec, type ScriptSpec } from './lib/options.js';

const SCRIPT = {
  name: 'redaction-scan',
  command: 'node dist/bench/redaction-scan.js',
  summary: 'Times the baseline redactor on a JSON body, a long log line and text dense with near misses of token prefixes.',
  options: {
    rounds: { type: 'string', default: '5', value: 'N', help: 'measured rounds, 1 or more' },
    count: { type: 'string', default: '2000', value: 'N', help: 'scans of each text per round, 1 or more' },
  },
} satisfies ScriptSpec<Record<string, OptionSpec>>;

const options = readCommandLine(SCRIPT, (commandLine) => ({
  rounds: commandLine.wholeNumber('rounds', { min: 1 }),
  count: commandLine.wholeNumber('count', { min: 1 }),
}));

const JSON_BODY = JSON.stringify({
  order: { id: 'ord_8823', items: Array.from({ length: 20 }, (_, index) => ({ sku: `SKU-${index}-blue`, quantity: index % 3, note: 'gift wrap, leave at door' })) },
  customer: { name: 'Ada Lovelace', city: 'London', tier: 'gold' },
}).slice(0, 2048);

const LOG_LINE = 'GET /api/v2/orders?page=3&sort=created_at user=ada status=200 duration_ms=12 region=eu-west-1 '.repeat(64).slice(0, 6144);

const NEAR_MISSES = 'sk_ ghost gh_ ghp_x xox- xoxb- SG.a.b AIza npm_ SKETCH shpat_ glpat- '.repeat(90).slice(0, 6144);

const TEXTS: ReadonlyArray<readonly [string, string]> = [
  ['json_2k', JSON_BODY],
  ['log_6k', LOG_LINE],
  ['near_misses_6k', NEAR_MISSES],
];

const spec = withBaseline(emptyRedactionSpec());

/** Returns the microseconds of one call of `scan` on `text`, averaged over `count` calls. */
function measure(scan: (text: string) => unknown, text: string, count: number): number {
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    scan(text);
  }
  return ((performance.now() - started) * 1000) / count;
}

const SCANS: ReadonlyArray<readonly [string, (text: string) => unknown]> = [
  ['redactor', (text) => new Redactor(spec).text('http.request.body', text)],
  ...BASELINE_DETECTORS.map((name) => [name, (text: string) => DETECTORS[name].find(text, 256)] as const),
];

for (const [, scan] of SCANS) {
  for (const [, text] of TEXTS) {
    measure(scan, text, Math.min(options.count, 500));
  }
}

for (let round = 1; round <= options.rounds; round += 1) {
  for (const [scanName, scan] of SCANS) {
    const figures = TEXTS.map(([name, text]) => `${name} ${measure(scan, text, options.count).toFixed(1)} µs`);
    process.stdout.write(`round ${round} ${scanName}: ${figures.join(', ')}\n`);
  }
}
