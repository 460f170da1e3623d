// `npm run fuzz`: plays generated ProcessingRequest sequences against a
// spawned ctxproc on loopback, for a count or a time, and checks that every
// stream ends cleanly, that none hangs, that the process survives, and that
// its RSS stays under a bound. Each finding is printed with its case seed;
// `--replay SEED` plays that one case again.
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client, credentials } from '@grpc/grpc-js';
import { buildCase, type CaseLimits } from '../test/fuzz/cases.js';
import { playCase, type Verdict } from '../test/fuzz/play.js';
import { caseSeed } from '../test/fuzz/random.js';
import { adminGet, parsePrometheus, startCtxproc } from './lib/ctxproc-process.js';

const USAGE = 'usage: npm run fuzz -- [--count N] [--seconds N] [--seed N] [--concurrency N] [--max-message-bytes N] [--hang-ms N] [--max-rss-mib N] [--cases-per-connection N] [--save FILE] [--replay SEED]';

const { values: options } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '3600' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
    'max-message-bytes': { type: 'string', default: '1048576' },
    'hang-ms': { type: 'string', default: '10000' },
    'max-rss-mib': { type: 'string', default: '1024' },
    'cases-per-connection': { type: 'string', default: '10000' },
    save: { type: 'string' },
    replay: { type: 'string' },
  },
});

function integer(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`fuzz: --${name} is "${text}"; expected a whole number\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

const count = integer('count', options.count);
const seconds = integer('seconds', options.seconds);
const runSeed = integer('seed', options.seed);
const concurrency = Math.max(1, integer('concurrency', options.concurrency));
const limits: CaseLimits = { maxMessageBytes: integer('max-message-bytes', options['max-message-bytes']) };
const hangMs = integer('hang-ms', options['hang-ms']);
const maxRssMib = integer('max-rss-mib', options['max-rss-mib']);
const casesPerConnection = Math.max(1, integer('cases-per-connection', options['cases-per-connection']));

/** Findings kept in memory and printed; past this many the run stops. */
const MAX_FINDINGS = 50;

const SAMPLE_INTERVAL_MS = 10_000;

/** Time ctxproc gets after the last case to see the last resets and half-closes. */
const SETTLE_MS = 5000;

async function main(): Promise<void> {
  const ctxproc = await startCtxproc(['--max-message-bytes', String(limits.maxMessageBytes)]);
  const connect = (): Client => new Client(ctxproc.grpcTarget, credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
    // A Client of its own per connection: the global subchannel pool would hand back the old connection.
    'grpc.use_local_subchannel_pool': 1,
  });
  let client = connect();

  if (options.replay !== undefined) {
    const seed = integer('replay', options.replay);
    const fuzzCase = buildCase(seed, limits);
    const verdict = await playCase(client, fuzzCase, hangMs);
    console.log(JSON.stringify({ ...verdict, mutations: fuzzCase.mutations, messages: fuzzCase.messages.map((bytes) => bytes.length), end: fuzzCase.end, await_replies: fuzzCase.awaitReplies }));
    client.close();
    await ctxproc.stop();
    process.exitCode = verdict.clean ? 0 : 1;
    return;
  }

  const started = Date.now();
  const deadline = started + seconds * 1000;
  const outcomes = new Map<string, number>();
  const findings: Verdict[] = [];
  const rssSamples: number[] = [];
  let next = 0;
  let played = 0;
  let crashed: string | null = null;
  let stopping = false;
  void ctxproc.exited.then((how) => {
    if (!stopping) {
      crashed = `ctxproc exited (${how}) during the run`;
    }
  });

  console.log(`fuzz: up to ${count} cases or ${seconds} s, seed ${runSeed}, ${concurrency} streams at once, ctxproc pid ${ctxproc.child.pid}`);

  const sampler = setInterval(() => {
    void Promise.all([sampleRss(ctxproc.adminPort), openStreams(ctxproc.adminPort)]).then(([rss, openNow]) => {
      rssSamples.push(rss);
      console.log(JSON.stringify({ elapsed_s: Math.round((Date.now() - started) / 1000), cases: played, streams_open: openNow, rate_per_s: Math.round(played / ((Date.now() - started) / 1000)), findings: findings.length, rss_mib: rss }));
    }, () => {});
  }, SAMPLE_INTERVAL_MS);

  const worker = async (): Promise<void> => {
    while (next < count && Date.now() < deadline && crashed === null && findings.length < MAX_FINDINGS) {
      const index = next;
      next += 1;
      // NOTE: on one connection, after about 17,000 cases the grpc-js client
      // closed its own HTTP/2 session (client-side GOAWAY, ctxproc sent none)
      // and the ~50 streams in flight ended with RESOURCE_EXHAUSTED. The cause
      // is not found, so the fuzzer moves to a new connection every
      // --cases-per-connection cases; set it high to reproduce.
      if (index > 0 && index % casesPerConnection === 0) {
        const old = client;
        client = connect();
        setTimeout(() => old.close(), hangMs).unref();
      }
      const fuzzCase = buildCase(caseSeed(runSeed, index), limits);
      const verdict = await playCase(client, fuzzCase, hangMs);
      played += 1;
      outcomes.set(verdict.outcome, (outcomes.get(verdict.outcome) ?? 0) + 1);
      if (!verdict.clean && crashed === null) {
        findings.push(verdict);
        console.log(JSON.stringify({ finding: verdict, mutations: fuzzCase.mutations, replay: `npm run fuzz -- --replay ${verdict.seed}` }));
        if (options.save) {
          appendFileSync(options.save, `${JSON.stringify({ seed: verdict.seed, outcome: verdict.outcome, detail: verdict.detail, mutations: fuzzCase.mutations })}\n`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(sampler);

  const finalRss = crashed === null ? await sampleRss(ctxproc.adminPort) : NaN;
  const streamsOpen = crashed === null ? await settledStreams(ctxproc.adminPort) : NaN;
  rssSamples.push(finalRss);
  client.close();
  stopping = true;
  const exit = crashed === null ? await ctxproc.stop() : await ctxproc.exited;
  const elapsedS = (Date.now() - started) / 1000;
  const maxRss = Math.max(...rssSamples.filter((value) => Number.isFinite(value)));

  const summary = {
    summary: true,
    cases: played,
    elapsed_s: Math.round(elapsedS),
    rate_per_s: Math.round(played / elapsedS),
    seed: runSeed,
    outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
    findings: findings.length,
    crashed,
    rss_max_mib: maxRss,
    rss_final_mib: finalRss,
    streams_open_after: streamsOpen,
    ctxproc_exit: exit,
    pass: findings.length === 0 && crashed === null && exit === 0 && maxRss <= maxRssMib && streamsOpen === 0,
  };
  console.log(JSON.stringify(summary));
  if (crashed !== null) {
    console.error(`fuzz: ${crashed}; stderr tail:\n${ctxproc.stderrTail()}`);
  }
  process.exitCode = summary.pass ? 0 : 1;
}

/** Every case has ended its stream, so ctxproc must reach zero open streams within SETTLE_MS; returns the count left. */
async function settledStreams(adminPort: number): Promise<number> {
  const deadline = Date.now() + SETTLE_MS;
  let open = await openStreams(adminPort);
  while (open > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    open = await openStreams(adminPort);
  }
  return open;
}

async function openStreams(adminPort: number): Promise<number> {
  return parsePrometheus((await adminGet(adminPort, '/metrics')).body).get('ctxproc_streams_active') ?? NaN;
}

async function sampleRss(adminPort: number): Promise<number> {
  const metrics = parsePrometheus((await adminGet(adminPort, '/metrics')).body);
  return Math.round(((metrics.get('ctxproc_process_resident_memory_bytes') ?? NaN) / 1048576) * 10) / 10;
}

await main();
