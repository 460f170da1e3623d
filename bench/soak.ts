// `npm run soak -- --minutes N`: steady ext_proc load on a spawned ctxproc,
// sampling its RSS, heap and event-loop delay, to show that memory stays
// flat over time. The load is moderate on purpose: the soak looks for
// leaks, not for throughput.
import { writeFileSync } from 'node:fs';
import { EnvoyClient, type HttpRequestSpec, type TransactionResult, type Upstream } from '../src/client/envoy-client.js';
import { defaultSettings } from '../src/config/settings.js';
import { BENCH_EVENT_LOOP_RESOLUTION_MS } from '../src/metrics/event-loop.js';
import { adminGet, parsePrometheus, startCtxproc } from './lib/ctxproc-process.js';
import { MAX_TIMER_MS, readCommandLine, type OptionSpec, type ScriptSpec } from './lib/options.js';

interface Sample {
  elapsed_s: number;
  transactions: number;
  failed: number;
  rss_mib: number;
  heap_used_mib: number;
  event_loop_stall_p99_ms: number;
  event_loop_stall_max_ms: number;
  client_in_flight: number;
}

const DEFAULTS = defaultSettings();

const SCRIPT = {
  name: 'soak',
  command: 'npm run soak --',
  summary: 'Runs steady ext_proc load on a spawned ctxproc and samples its RSS, heap and event-loop delay, to show that memory stays flat.',
  options: {
    minutes: { type: 'string', default: '5', value: 'N', help: 'run time, in minutes, above 0; decimals such as 0.5 are allowed' },
    rate: { type: 'string', default: '100', value: 'PER_SECOND', help: 'transactions started per second, 1 or more' },
    'in-flight': { type: 'string', default: '16', value: 'N', help: `transactions open at once, at most, 1 to ${DEFAULTS.maxStreamsPerConnection}` },
    'sample-seconds': { type: 'string', default: '30', value: 'N', help: 'seconds between two samples of ctxproc\'s /metrics, above 0; decimals are allowed' },
    'warmup-fraction': { type: 'string', default: '0.2', value: 'F', help: 'share of the samples, above 0 and below 1, left out of the summary as warm-up' },
    out: { type: 'string', value: 'FILE', help: 'also writes the options, samples and summary as JSON to FILE (default: none)' },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

const { minutes, ratePerSecond, inFlightMax, sampleSeconds, warmupFraction, outFile } = readCommandLine(SCRIPT, (commandLine) => ({
  minutes: commandLine.decimal('minutes', { above: 0, max: Math.floor(MAX_TIMER_MS / 60_000), reason: 'the run ends on one Node timer' }),
  // The pacer adds a tenth of the rate every 100 ms and keeps at most one second's worth, so under 1 per second it never starts one.
  ratePerSecond: commandLine.decimal('rate', { min: 1 }),
  inFlightMax: commandLine.wholeNumber('in-flight', { min: 1, max: DEFAULTS.maxStreamsPerConnection, reason: 'the client uses one connection, and ctxproc holds back streams over its --max-streams-per-connection' }),
  sampleSeconds: commandLine.decimal('sample-seconds', { above: 0, max: Math.floor(MAX_TIMER_MS / 1000), reason: 'samples are taken by a Node timer' }),
  warmupFraction: commandLine.decimal('warmup-fraction', { above: 0, below: 1 }),
  outFile: commandLine.outputFile('out'),
}));

/** The traffic mix: plain reads, a not-found that the shipped rules log, credentials to redact, and a buffered POST body. */
const REQUESTS: Array<{ request: HttpRequestSpec; status: number }> = [
  { request: { method: 'GET', path: '/items/7', scheme: 'https', authority: 'shop.example', headers: [['user-agent', 'soak'], ['x-request-id', 'soak-1']] }, status: 200 },
  { request: { method: 'GET', path: '/missing?token=abc123', scheme: 'https', authority: 'shop.example', headers: [['user-agent', 'soak'], ['authorization', 'Bearer soak-token-value']] }, status: 404 },
  { request: { method: 'GET', path: '/account', scheme: 'https', authority: 'shop.example', headers: [['cookie', 'session=abcdef; theme=dark']] }, status: 500 },
  {
    request: { method: 'POST', path: '/orders', scheme: 'https', authority: 'shop.example', headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify({ card: '4111 1111 1111 1111', items: Array.from({ length: 50 }, (_, i) => ({ sku: i })) })) },
    status: 201,
  },
];


function upstreamFor(status: number): Upstream {
  return () => ({ status, headers: [['content-type', 'application/json']], body: Buffer.from('{"ok":true}') });
}

function failed(result: TransactionResult): boolean {
  return result.protocolErrors.length > 0 || result.timedOut || result.localReply;
}

async function sample(adminPort: number, started: number, transactions: number, failures: number, inFlight: number): Promise<Sample> {
  const metrics = parsePrometheus((await adminGet(adminPort, '/metrics')).body);
  const mib = (name: string) => Math.round(((metrics.get(name) ?? NaN) / 1048576) * 10) / 10;
  // ctxproc samples the delay with a timer and reports the timer's whole
  // period, so an idle loop reads BENCH_EVENT_LOOP_RESOLUTION_MS. The stall is the excess.
  const stallMs = (name: string) => Math.max(0, Math.round(((metrics.get(name) ?? NaN) * 1000 - BENCH_EVENT_LOOP_RESOLUTION_MS) * 10) / 10);
  return {
    elapsed_s: Math.round((Date.now() - started) / 1000),
    transactions,
    failed: failures,
    rss_mib: mib('ctxproc_process_resident_memory_bytes'),
    heap_used_mib: mib('ctxproc_nodejs_heap_size_used_bytes'),
    event_loop_stall_p99_ms: stallMs('ctxproc_nodejs_eventloop_lag_p99_seconds'),
    event_loop_stall_max_ms: stallMs('ctxproc_nodejs_eventloop_lag_max_seconds'),
    client_in_flight: inFlight,
  };
}

async function main(): Promise<void> {
  const ctxproc = await startCtxproc();
  // Envoy's processing mode for the body-carrying route: request body BUFFERED.
  const client = new EnvoyClient({ target: ctxproc.grpcTarget, processingMode: { request_body_mode: 'BUFFERED' }, messageTimeoutMs: 2000 });
  const durationMs = minutes * 60_000;
  const started = Date.now();
  const samples: Sample[] = [];
  let transactions = 0;
  let failures = 0;
  let inFlight = 0;
  let credit = 0;

  console.log(`soak: ${minutes} min at ${ratePerSecond}/s, at most ${inFlightMax} in flight, against ctxproc pid ${ctxproc.child.pid}`);

  const launch = (): void => {
    const { request, status } = REQUESTS[transactions % REQUESTS.length]!;
    inFlight += 1;
    void client.run(request, upstreamFor(status)).then((result) => {
      inFlight -= 1;
      transactions += 1;
      failures += failed(result) ? 1 : 0;
    });
  };

  // Pacing: every 100 ms a tenth of the rate joins the credit, which is spent while the in-flight cap allows.
  const pacer = setInterval(() => {
    credit = Math.min(credit + ratePerSecond / 10, ratePerSecond);
    while (credit >= 1 && inFlight < inFlightMax) {
      credit -= 1;
      launch();
    }
  }, 100);

  const sampler = setInterval(() => {
    void sample(ctxproc.adminPort, started, transactions, failures, inFlight).then((entry) => {
      samples.push(entry);
      console.log(JSON.stringify(entry));
    }, (error: Error) => console.error(`soak: sampling /metrics failed: ${error.message}`));
  }, sampleSeconds * 1000);

  await Promise.race([new Promise((resolve) => setTimeout(resolve, durationMs)), ctxproc.exited]);
  clearInterval(pacer);
  clearInterval(sampler);
  const drainDeadline = Date.now() + 10_000;
  while (inFlight > 0 && Date.now() < drainDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  client.close();
  const exit = await ctxproc.stop();

  const summary = summarize(samples, warmupFraction, { transactions, failures, exit, stdoutLines: ctxproc.stdoutLines(), warnings: ctxproc.warnings.length, elapsedS: Math.round((Date.now() - started) / 1000) });
  console.log(JSON.stringify(summary));
  console.error(summary.pass ? 'soak: passed' : `soak: failed: ${summary.failed_checks.join('; ')}`);
  if (outFile !== undefined) {
    writeFileSync(outFile, `${JSON.stringify({ options: { minutes, ratePerSecond, inFlightMax, sampleSeconds, warmupFraction }, samples, summary }, null, 2)}\n`);
  }
  process.exitCode = summary.pass ? 0 : 1;
}

/** RSS spread after warm-up: (max - min) / min over the samples past the warm-up fraction of the run. */
function summarize(samples: Sample[], warmup: number, totals: { transactions: number; failures: number; exit: number | string; stdoutLines: number; warnings: number; elapsedS: number }) {
  const steady = samples.slice(Math.floor(samples.length * warmup));
  const rss = steady.map((entry) => entry.rss_mib);
  const heap = steady.map((entry) => entry.heap_used_mib);
  const rssMin = Math.min(...rss);
  const rssMax = Math.max(...rss);
  const spread = rss.length > 0 ? Math.round(((rssMax - rssMin) / rssMin) * 1000) / 10 : NaN;
  const first = steady[0]?.rss_mib ?? NaN;
  const last = steady.at(-1)?.rss_mib ?? NaN;
  return {
    summary: true,
    elapsed_s: totals.elapsedS,
    transactions: totals.transactions,
    rate_per_s: Math.round(totals.transactions / Math.max(totals.elapsedS, 1)),
    failed: totals.failures,
    samples_after_warmup: steady.length,
    rss_min_mib: rssMin,
    rss_max_mib: rssMax,
    rss_spread_percent: spread,
    rss_first_after_warmup_mib: first,
    rss_last_mib: last,
    heap_used_min_mib: Math.min(...heap),
    heap_used_max_mib: Math.max(...heap),
    event_loop_stall_p99_worst_ms: Math.max(...steady.map((entry) => entry.event_loop_stall_p99_ms)),
    event_loop_stall_max_ms: Math.max(...steady.map((entry) => entry.event_loop_stall_max_ms)),
    ctxproc_exit: totals.exit,
    ctxproc_stdout_lines: totals.stdoutLines,
    ctxproc_warnings: totals.warnings,
    failed_checks: failedChecks(totals, steady.length, spread),
    pass: failedChecks(totals, steady.length, spread).length === 0,
  };
}

/** Largest RSS spread after warm-up, in percent, that counts as flat. */
const MAX_RSS_SPREAD_PERCENT = 10;

/** Names each check the run failed, with the value and what to do next; empty when the run passed. */
function failedChecks(totals: { failures: number; exit: number | string }, steadySamples: number, spread: number): string[] {
  const failed: string[] = [];
  if (totals.failures > 0) {
    failed.push(`${totals.failures} transactions failed; the sample lines show when`);
  }
  if (totals.exit !== 0) {
    failed.push(`ctxproc exited with ${totals.exit} instead of 0; see its warnings and stderr above`);
  }
  if (steadySamples < 2) {
    failed.push(`only ${steadySamples} samples after the warm-up, and the RSS check needs 2; run longer or lower --sample-seconds`);
  }
  if (steadySamples >= 2 && !(spread <= MAX_RSS_SPREAD_PERCENT)) {
    // The old generation grows until the first full collection, which at
    // this load comes minutes into the run, so a short run reads that
    // growth as spread (docs/reliability.md, "Soak").
    failed.push(`RSS spread ${spread}% after the warm-up is over ${MAX_RSS_SPREAD_PERCENT}%; a run of a few minutes may end before the first full collection, so run 10 minutes or more, or raise --warmup-fraction`);
  }
  return failed;
}

await main();
