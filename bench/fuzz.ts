// `npm run fuzz`: plays generated ProcessingRequest sequences against a
// spawned ctxproc on loopback, for a count or a time, and checks that every
// stream ends cleanly, that none hangs, that the process survives, and that
// its RSS stays under a bound. Each finding is printed with its case seed;
// `--replay SEED` plays that one case again.
import { appendFileSync } from 'node:fs';
import buffer from 'node:buffer';
import { Client, credentials } from '@grpc/grpc-js';
import { buildCase, type CaseLimits } from '../test/fuzz/cases.js';
import { playCase, type Verdict } from '../test/fuzz/play.js';
import { caseSeed } from '../test/fuzz/random.js';
import { defaultSettings } from '../src/config/settings.js';
import { adminGet, parsePrometheus, startCtxproc } from './lib/ctxproc-process.js';
import { MAX_TIMER_MS, readCommandLine, type OptionSpec, type ScriptSpec } from './lib/options.js';

/** Seeds are unsigned 32-bit integers: the generator keeps `seed >>> 0`, so a larger one would replay another case. */
const MAX_SEED = 2 ** 32 - 1;

/** Bytes a case may add to --max-message-bytes for its oversized body, which it allocates whole. */
const OVERSIZED_BODY_EXTRA_BYTES = 1024;

const DEFAULTS = defaultSettings();

const SCRIPT = {
  name: 'fuzz',
  command: 'npm run fuzz --',
  summary: 'Plays generated ProcessingRequest sequences against a spawned ctxproc, and checks that every stream ends cleanly, none hangs, the process survives and its RSS stays under a bound.',
  options: {
    count: { type: 'string', default: '10000', value: 'N', help: 'cases to play, at most, 1 or more; the run stops at --count or --seconds, whichever comes first' },
    seconds: { type: 'string', default: '3600', value: 'N', help: 'run time, at most, in seconds, 1 or more' },
    seed: { type: 'string', default: '1', value: 'N', help: `seed of the run, from which each case's seed derives, 0 to ${MAX_SEED}` },
    concurrency: { type: 'string', default: '32', value: 'N', help: `cases played at once, each on a stream of its own, 1 to ${DEFAULTS.maxStreamsPerConnection}` },
    'max-message-bytes': { type: 'string', default: '1048576', value: 'BYTES', help: 'ctxproc\'s --max-message-bytes, in bytes, which some cases exceed on purpose' },
    'hang-ms': { type: 'string', default: '10000', value: 'MS', help: 'milliseconds a stream may take to end after the client is done sending before the case counts as a hang' },
    'max-rss-mib': { type: 'string', default: '1024', value: 'MIB', help: 'largest ctxproc RSS, in MiB, that still passes, 1 or more' },
    'cases-per-connection': { type: 'string', default: '10000', value: 'N', help: 'cases played on one connection before the fuzzer opens a new one, 1 or more' },
    save: { type: 'string', value: 'FILE', help: 'also appends each finding to FILE as one JSON line (default: none)' },
    replay: { type: 'string', value: 'SEED', help: `plays only the case of this seed, printed with each finding, 0 to ${MAX_SEED} (default: none)` },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

const settings = readCommandLine(SCRIPT, (commandLine) => ({
  count: commandLine.wholeNumber('count', { min: 1 }),
  seconds: commandLine.wholeNumber('seconds', { min: 1 }),
  runSeed: commandLine.wholeNumber('seed', { min: 0, max: MAX_SEED }),
  concurrency: commandLine.wholeNumber('concurrency', { min: 1, max: DEFAULTS.maxStreamsPerConnection, reason: 'the cases share one connection, and ctxproc holds back streams over its --max-streams-per-connection' }),
  maxMessageBytes: commandLine.wholeNumber('max-message-bytes', { min: 1, max: buffer.constants.MAX_LENGTH - OVERSIZED_BODY_EXTRA_BYTES - 1, reason: 'a case allocates a body of up to this many bytes plus 1,024' }),
  hangMs: commandLine.wholeNumber('hang-ms', { min: 1, max: MAX_TIMER_MS, reason: 'the wait is a Node timer' }),
  maxRssMib: commandLine.wholeNumber('max-rss-mib', { min: 1 }),
  casesPerConnection: commandLine.wholeNumber('cases-per-connection', { min: 1 }),
  saveFile: commandLine.outputFile('save'),
  replaySeed: commandLine.values.replay === undefined ? undefined : commandLine.wholeNumber('replay', { min: 0, max: MAX_SEED }),
}));
const { count, seconds, runSeed, concurrency, hangMs, maxRssMib, casesPerConnection, saveFile, replaySeed } = settings;
const limits: CaseLimits = { maxMessageBytes: settings.maxMessageBytes };

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

  if (replaySeed !== undefined) {
    const fuzzCase = buildCase(replaySeed, limits);
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
        if (saveFile !== undefined) {
          appendFileSync(saveFile, `${JSON.stringify({ seed: verdict.seed, outcome: verdict.outcome, detail: verdict.detail, mutations: fuzzCase.mutations })}\n`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(sampler);
  // The rate counts the cases' own time; settling the streams and stopping
  // ctxproc take several seconds more, whatever the count.
  const playedS = (Date.now() - started) / 1000;

  const finalRss = crashed === null ? await sampleRss(ctxproc.adminPort) : NaN;
  const streamsOpen = crashed === null ? await settledStreams(ctxproc.adminPort) : NaN;
  rssSamples.push(finalRss);
  client.close();
  stopping = true;
  const exit = crashed === null ? await ctxproc.stop() : await ctxproc.exited;
  const elapsedS = (Date.now() - started) / 1000;
  const maxRss = Math.max(...rssSamples.filter((value) => Number.isFinite(value)));
  const failed = failedChecks({ findings: findings.length, crashed, exit, maxRss, streamsOpen });

  const summary = {
    summary: true,
    cases: played,
    elapsed_s: Math.round(elapsedS),
    played_s: Math.round(playedS),
    rate_per_s: Math.round(played / playedS),
    seed: runSeed,
    outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
    findings: findings.length,
    crashed,
    rss_max_mib: maxRss,
    rss_final_mib: finalRss,
    streams_open_after: streamsOpen,
    ctxproc_exit: exit,
    failed_checks: failed,
    pass: failed.length === 0,
  };
  console.log(JSON.stringify(summary));
  console.error(summary.pass ? 'fuzz: passed' : `fuzz: failed: ${failed.join('; ')}`);
  if (crashed !== null) {
    console.error(`fuzz: ${crashed}; stderr tail:\n${ctxproc.stderrTail()}`);
  }
  process.exitCode = summary.pass ? 0 : 1;
}

/** Names each check the run failed, with the value and what to do next; empty when the run passed. */
function failedChecks(run: { findings: number; crashed: string | null; exit: number | string; maxRss: number; streamsOpen: number }): string[] {
  const failed: string[] = [];
  if (run.findings > 0) {
    failed.push(`${run.findings} cases got no clean answer; each is printed above with its replay command`);
  }
  if (run.crashed !== null) {
    failed.push(`ctxproc stopped during the run: ${run.crashed}`);
  } else if (run.exit !== 0) {
    failed.push(`ctxproc exited with ${run.exit} instead of 0 after SIGTERM`);
  }
  if (!(run.maxRss <= maxRssMib)) {
    failed.push(`ctxproc's RSS reached ${run.maxRss} MiB, over --max-rss-mib ${maxRssMib}; RSS is sampled every few seconds, so a shorter peak can pass unseen`);
  }
  if (run.streamsOpen !== 0) {
    failed.push(`${run.streamsOpen} streams were still open on ctxproc ${SETTLE_MS} ms after the last case ended`);
  }
  return failed;
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
