// `npm run bench:adversarial`: sends each adversarial input to a spawned
// ctxproc and reports the longest event-loop stall it caused there, read
// from ctxproc's own monitorEventLoopDelay histogram (prom-client's
// ctxproc_nodejs_eventloop_lag_max_seconds, reset on every /metrics read).
// Each input runs several times beside an idle baseline, because on a shared
// CPU the scheduler alone delays the loop by a few milliseconds.
// --sections inputs,rules,reload picks the tables, --trials the runs per row,
// --inputs 3,6 only those rows of the input table (counted from 1), and
// --pace-ms the wait between transactions of the reload table.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { EnvoyClient, type HttpRequestSpec, type TransactionResult } from '../src/client/envoy-client.js';
import { adminGet, parsePrometheus, startCtxproc, type CtxprocProcess } from './lib/ctxproc-process.js';
import { MAX_TIMER_MS, readCommandLine, readWholeNumber, type OptionSpec, type ScriptSpec } from './lib/options.js';
import { readReloadSpec } from './lib/reload-spec.js';
import { BENCH_EVENT_LOOP_RESOLUTION_MS } from '../src/metrics/event-loop.js';

/** ctxproc's event-loop sampling period, in milliseconds: an idle loop reads this much. */
const DELAY_RESOLUTION_MS = BENCH_EVENT_LOOP_RESOLUTION_MS;

interface InputCase {
  name: string;
  request: HttpRequestSpec;
  /** Request body mode; BUFFERED sends the whole body as one message. */
  bodyMode?: 'BUFFERED';
}

const MIB = 1024 * 1024;

function get(pathname: string, headers: Array<[string, string]> = []): HttpRequestSpec {
  return { method: 'GET', path: pathname, scheme: 'https', authority: 'shop.example', headers };
}

function post(body: Buffer, contentType: string): HttpRequestSpec {
  return { method: 'POST', path: '/upload', scheme: 'https', authority: 'shop.example', headers: [['content-type', contentType]], body };
}

/** Returns `unit` repeated to exactly `length` characters. */
function repeated(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** Builds a JSON object body of `count` string values, each `unit` repeated to `length` characters. */
function jsonValues(unit: string, count: number, length: number): Buffer {
  return Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${i}`, repeated(unit, length)]))));
}

/** Builds a JSON request whose body is `plain` encoded with `encoding`, as a compression bomb arrives. */
function encodedPost(encoding: 'gzip' | 'br', plain: Buffer, windowBits = 22): HttpRequestSpec {
  const body = encoding === 'gzip' ? zlib.gzipSync(plain) : zlib.brotliCompressSync(plain, { params: { [zlib.constants.BROTLI_PARAM_LGWIN]: windowBits } });
  const request = post(body, 'application/json');
  request.headers.push(['content-encoding', encoding]);
  return request;
}

const INPUTS: InputCase[] = [
  { name: 'plain GET', request: get('/items/7') },
  { name: 'JSON body nested 100,000 deep, 200 kB', request: post(Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 'application/json'), bodyMode: 'BUFFERED' },
  { name: 'JSON body of 15 MiB', request: post(Buffer.from(JSON.stringify({ items: Array.from({ length: 300_000 }, (_, i) => ({ id: i, password: `p${i}`, note: 'x'.repeat(20) })) }).slice(0, 15 * MIB)), 'application/json'), bodyMode: 'BUFFERED' },
  { name: 'binary body of 1 MiB', request: post(Buffer.alloc(MIB, 0x5a), 'application/octet-stream'), bodyMode: 'BUFFERED' },
  { name: 'binary body of 4 MiB', request: post(Buffer.alloc(4 * MIB, 0x5a), 'application/octet-stream'), bodyMode: 'BUFFERED' },
  { name: 'binary body of 15 MiB', request: post(Buffer.alloc(15 * MIB, 0x5a), 'application/octet-stream'), bodyMode: 'BUFFERED' },
  { name: '100 request headers (Envoy\'s default max_headers_count)', request: get('/hundred', Array.from({ length: 100 }, (_, i) => [`x-h${i}`, `value-${i}`] as [string, string])) },
  { name: '1,000 request headers', request: get('/thousand', Array.from({ length: 1000 }, (_, i) => [`x-h${i}`, `value-${i}`] as [string, string])) },
  { name: '10,000 request headers', request: get('/many', Array.from({ length: 10_000 }, (_, i) => [`x-h${i}`, `value-${i}`] as [string, string])) },
  { name: 'header value of 4 MiB', request: get('/big', [['x-big', 'a'.repeat(4 * MIB)]]) },
  { name: 'cookie header of 1 MiB, 50,000 pairs', request: get('/cookies', [['cookie', Array.from({ length: 50_000 }, (_, i) => `c${i}=v${i}`).join('; ')]]) },
  { name: 'text body of 64 KiB, "{" repeated', request: post(Buffer.from('{'.repeat(64 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'text body of 64 KiB, line breaks', request: post(Buffer.from('\n'.repeat(64 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'text body of 64 KiB, "<a " repeated', request: post(Buffer.from('<a '.repeat(22 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  // Bodies that made detection restart a pattern at every character of a
  // run. docs/reliability.md gives their cost before and after the fix.
  { name: 'JSON body of 8 values of 8 KiB of "{"', request: post(jsonValues('{', 8, 8 * 1024), 'application/json'), bodyMode: 'BUFFERED' },
  { name: 'JSON body of 8 values of 8 KiB of "${"', request: post(jsonValues('${', 8, 8 * 1024), 'application/json'), bodyMode: 'BUFFERED' },
  { name: 'form body of 8 values of 8 KiB of "$("', request: post(Buffer.from(Array.from({ length: 8 }, (_, i) => `a${i}=${repeated('$(', 8 * 1024)}`).join('&')), 'application/x-www-form-urlencoded'), bodyMode: 'BUFFERED' },
  { name: 'JSON array of 500 values of 120 characters of "+`"', request: post(Buffer.from(JSON.stringify(Array.from({ length: 500 }, () => repeated('+`', 120)))), 'application/json'), bodyMode: 'BUFFERED' },
  { name: 'text body of 64 KiB, "+`" repeated', request: post(Buffer.from(repeated('+`', 64 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'text body of 64 KiB, ";a=cat" repeated', request: post(Buffer.from(repeated(';a=cat', 64 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'text body of 64 KiB, line break and "id=" repeated', request: post(Buffer.from(repeated('\nid=', 64 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'text body of 64 KiB, "{id}" repeated', request: post(Buffer.from(repeated('{id}', 64 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'text body of 64 KiB, "\'file:" repeated', request: post(Buffer.from(repeated("'file:", 64 * 1024)), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'XML body of 64 KiB, "a" repeated', request: post(Buffer.from(`<r>${repeated('a', 64 * 1024 - 3)}`), 'application/xml'), bodyMode: 'BUFFERED' },
  { name: 'XML body of 64 KiB, "--" repeated', request: post(Buffer.from(`<r>${repeated('--', 64 * 1024 - 3)}`), 'application/xml'), bodyMode: 'BUFFERED' },
  { name: 'text body of 60 KiB of spaces, then a script tag', request: post(Buffer.from(`${' '.repeat(60 * 1024)}<script>alert(1)</script>`), 'text/plain'), bodyMode: 'BUFFERED' },
  { name: 'gzip bomb body, 64 KiB inflating to 64 MiB', request: encodedPost('gzip', Buffer.alloc(64 * MIB)), bodyMode: 'BUFFERED' },
  { name: 'br bomb body, 4 MiB window, inflating to 64 MiB', request: encodedPost('br', Buffer.alloc(64 * MIB)), bodyMode: 'BUFFERED' },
  { name: 'br bomb body, 16 MiB window, inflating to 64 MiB', request: encodedPost('br', Buffer.alloc(64 * MIB), 24), bodyMode: 'BUFFERED' },
];

const SECTION_NAMES = ['inputs', 'rules', 'reload'] as const;

/** Largest rule count of the rules table. It catches a mistyped count, because the rules are written to one file and compiled at once. */
const MAX_RULES = 1_000_000;

const SCRIPT = {
  name: 'adversarial',
  command: 'npm run bench:adversarial --',
  summary: 'Sends adversarial inputs, rule counts and reloads to a spawned ctxproc and reports the longest event-loop stall each caused there.',
  options: {
    sections: { type: 'string', default: SECTION_NAMES.join(','), value: 'NAMES', help: `tables to print, comma-separated: ${SECTION_NAMES.join(', ')}` },
    trials: { type: 'string', default: '5', value: 'N', help: 'runs per row, 1 or more' },
    inputs: { type: 'string', value: 'ROWS', help: `rows of the input table to run, comma-separated, counted from 1 to ${INPUTS.length} (default: all)` },
    rules: { type: 'string', default: '1000,5000', value: 'COUNTS', help: 'rule counts of the rules table, comma-separated' },
    reload: { type: 'string', default: '1000x1,1000x10,5000x1,5000x50', value: 'SPECS', help: 'reloads of the reload table, comma-separated, each COUNTxFILES: COUNT rules spread evenly over FILES files' },
    'pace-ms': { type: 'string', default: '10', value: 'MS', help: 'milliseconds the reload table waits between transactions, 0 for none' },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

const { TRIALS, RULE_COUNTS, RELOADS, SECTIONS, INPUT_ROWS, PACE_MS } = readCommandLine(SCRIPT, (commandLine) => ({
  SECTIONS: new Set(commandLine.names('sections', SECTION_NAMES)),
  TRIALS: commandLine.wholeNumber('trials', { min: 1 }),
  INPUT_ROWS: commandLine.values.inputs === undefined ? null : commandLine.list('inputs', (item) => readWholeNumber('--inputs item', item, { min: 1, max: INPUTS.length })),
  RULE_COUNTS: commandLine.list('rules', (item) => readWholeNumber('--rules item', item, { min: 1, max: MAX_RULES })),
  RELOADS: commandLine.list('reload', (item) => readReloadSpec('reload', item)),
  // Milliseconds the reload section waits after each transaction and /rules
  // read. Back to back (0), the bench's client and ctxproc each keep a core
  // busy, so the reading includes the serving load and CPU contention on a
  // 2-core machine: the idle row then read about 5 ms on a quiet machine.
  PACE_MS: commandLine.wholeNumber('pace-ms', { min: 0, max: MAX_TIMER_MS, reason: 'the wait is a Node timer' }),
}));

interface LoopReading {
  /** Maximum event-loop delay since the last read, in milliseconds. */
  lagMaxMs: number;
  /** CPU time ctxproc has used since it started, user and system, in milliseconds. */
  cpuMs: number;
}

async function readLoop(ctxproc: CtxprocProcess): Promise<LoopReading> {
  const metrics = parsePrometheus((await adminGet(ctxproc.adminPort, '/metrics')).body);
  return {
    lagMaxMs: (metrics.get('ctxproc_nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
    cpuMs: (metrics.get('ctxproc_process_cpu_seconds_total') ?? NaN) * 1000,
  };
}

interface Measurement {
  /** Stall of each trial beyond the timer period, in milliseconds. */
  stalls: number[];
  /**
   * CPU time ctxproc used in each trial, in milliseconds, GC helper threads
   * included. ctxproc's own work cannot stall its loop for longer than this,
   * so the rest of a longer stall came from the scheduler of a busy CPU.
   */
  cpuMs: number[];
}

/** Runs `action` TRIALS times and returns the stall it caused each time and the CPU time ctxproc used. */
async function measure(ctxproc: CtxprocProcess, action: () => Promise<unknown>): Promise<Measurement> {
  const stalls: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < TRIALS; i += 1) {
    const before = await readLoop(ctxproc);
    await action();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await readLoop(ctxproc);
    stalls.push(Math.max(0, Math.round((after.lagMaxMs - DELAY_RESOLUTION_MS) * 10) / 10));
    cpuMs.push(Math.round(after.cpuMs - before.cpuMs));
  }
  return { stalls, cpuMs };
}

/** Formats the table cells of a measurement: stall median, stall max, CPU median. */
function cells(measured: Measurement): string {
  return `${median(measured.stalls)} | ${Math.max(...measured.stalls)} | ${median(measured.cpuMs)}`;
}

function pause(): Promise<void> {
  return PACE_MS > 0 ? new Promise((resolve) => setTimeout(resolve, PACE_MS)) : Promise.resolve();
}

function outcome(result: TransactionResult): string {
  if (result.grpcStatus) {
    return `gRPC ${result.grpcStatus.code}: ${result.grpcStatus.details.slice(0, 80)}`;
  }
  return `HTTP ${result.downstreamResponse.status}${result.protocolErrors.length > 0 ? ` (${result.protocolErrors[0]})` : ''}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function runInputs(): Promise<void> {
  const ctxproc = await startCtxproc(['--shutdown-delay', '0']);
  const clients = {
    headers: new EnvoyClient({ target: ctxproc.grpcTarget, messageTimeoutMs: 10_000, maxHeadersCount: 20_000, maxHeadersKb: 8192 }),
    buffered: new EnvoyClient({ target: ctxproc.grpcTarget, messageTimeoutMs: 10_000, processingMode: { request_body_mode: 'BUFFERED' }, bufferLimitBytes: 32 * MIB }),
  };

  console.log(`| input | outcome | stall median ms | stall max ms | ctxproc CPU median ms |`);
  console.log(`|---|---|---|---|---|`);
  const idle = await measure(ctxproc, () => Promise.resolve());
  console.log(`| nothing (idle baseline) | - | ${cells(idle)} |`);
  for (const input of INPUTS.filter((_, index) => INPUT_ROWS === null || INPUT_ROWS.includes(index + 1))) {
    const client = input.bodyMode ? clients.buffered : clients.headers;
    let last: TransactionResult | null = null;
    const measured = await measure(ctxproc, async () => {
      last = await client.run(input.request, () => ({ status: 200, headers: [] }));
    });
    console.log(`| ${input.name} | ${last ? outcome(last) : '-'} | ${cells(measured)} |`);
  }

  clients.headers.close();
  clients.buffered.close();
  await ctxproc.stop();
}

/**
 * Writes a rule set of `count` rules, each a CEL condition on a header and a
 * tag, to `file` (a new temporary file by default), whole at once. A different `variant`
 * gives different rule ids, so a reload sees a new version.
 */
function writeRules(count: number, file = path.join(mkdtempSync(path.join(tmpdir(), 'ctxproc-rules-')), 'rules.yaml'), variant = ''): string {
  const lines = ['apiVersion: ctxproc.dev/v1', 'kind: RuleSet', `metadata: { name: many-${count} }`, 'rules:'];
  for (let i = 0; i < count; i += 1) {
    lines.push(`  - id: rule-${variant}${i}`, `    description: Tags requests of tenant ${i}.`, `    when: "request.headers['x-tenant'] == 'tenant-${i}' && request.url_path.startsWith('/t${i}/')"`, `    actions:`, `      - tag: { tenant: t${i} }`);
  }
  // Written aside and renamed, as a ConfigMap update swaps its files at once:
  // a watcher that reads a half-written file would reject the set, which is
  // not the reload this table measures.
  writeFileSync(`${file}.partial`, `${lines.join('\n')}\n`);
  renameSync(`${file}.partial`, file);
  return file;
}

async function runRuleCounts(): Promise<void> {
  console.log(`\n| rules | startup ms | stall median ms | stall max ms | ctxproc CPU median ms |`);
  console.log(`|---|---|---|---|---|`);
  for (const count of RULE_COUNTS) {
    const file = writeRules(count);
    const started = Date.now();
    // One file of 5,000 rules is about 1 MiB; this section measures evaluation, so the file limit is raised.
    const ctxproc = await startCtxproc(['--rules', file, '--shutdown-delay', '0', '--max-rule-file-bytes', String(4 * MIB)]);
    const startupMs = Date.now() - started;
    const client = new EnvoyClient({ target: ctxproc.grpcTarget, messageTimeoutMs: 10_000 });
    const measured = await measure(ctxproc, () => client.run(get('/t7/x', [['x-tenant', 'tenant-7']]), () => ({ status: 200, headers: [] })));
    console.log(`| ${count} | ${startupMs} | ${cells(measured)} |`);
    client.close();
    await ctxproc.stop();
  }
}

/**
 * Replaces the rule set with `count` new rules spread over `files` files
 * (written as COUNTxFILES) while one client keeps sending transactions, and
 * reads the longest stall from the write until /rules shows the new version.
 * The first trial starts from 1 rule. The watcher notices the write within
 * its 1 s poll, so the time includes that wait. A file over
 * --max-rule-file-bytes is rejected, and the row then shows the stall of
 * the rejection. The idle row waits as long as a reload takes, with no write.
 */
async function runReloads(): Promise<void> {
  console.log(`\n| reload to rules | files | write to applied ms | transactions meanwhile | stall median ms | stall max ms | ctxproc CPU median ms |`);
  console.log(`|---|---|---|---|---|---|---|`);
  await runIdleRow();
  for (const { count, files } of RELOADS) {
    const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-rules-'));
    writeRules(1, path.join(directory, 'rules-0.yaml'));
    const ctxproc = await startCtxproc(['--rules', directory, '--shutdown-delay', '0']);
    const client = new EnvoyClient({ target: ctxproc.grpcTarget, messageTimeoutMs: 10_000 });
    const durations: number[] = [];
    const served: number[] = [];
    let trial = 0;
    let rejectedBy: string | null = null;

    const measured = await measure(ctxproc, async () => {
      trial += 1;
      const before = await rulesStatus(ctxproc);
      const started = Date.now();
      for (let file = 0; file < files; file += 1) {
        writeRules(count / files, path.join(directory, `rules-${file}.yaml`), `v${trial}-f${file}-`);
      }
      let transactions = 0;
      let status = await rulesStatus(ctxproc);
      while (status.version === before.version && status.rejectedAt === before.rejectedAt) {
        await client.run(get('/t7/x', [['x-tenant', 'tenant-7']]), () => ({ status: 200, headers: [] }));
        transactions += 1;
        await pause();
        status = await rulesStatus(ctxproc);
      }
      durations.push(Date.now() - started);
      served.push(transactions);
      rejectedBy = status.version === before.version ? status.rejectedCode : null;
    });
    const outcome = rejectedBy === null ? `${count}` : `${count}, rejected (${rejectedBy})`;
    console.log(`| ${outcome} | ${files} | ${median(durations)} | ${median(served)} | ${cells(measured)} |`);
    client.close();
    await ctxproc.stop();
  }
}

interface RulesStatusView {
  version: string;
  rejectedAt: string | null;
  rejectedCode: string | null;
}

async function rulesStatus(ctxproc: CtxprocProcess): Promise<RulesStatusView> {
  const status = JSON.parse((await adminGet(ctxproc.adminPort, '/rules')).body) as { version: string; lastRejected: { at: string; problems: Array<{ code: string }> } | null };
  return { version: status.version, rejectedAt: status.lastRejected?.at ?? null, rejectedCode: status.lastRejected?.problems[0]?.code ?? null };
}

/** Measures what serving and the shared CPU add on their own: a ctxproc with one rule, the same paced client and /rules reads, no write, for 1 s per trial. */
async function runIdleRow(): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-rules-'));
  writeRules(1, path.join(directory, 'rules-0.yaml'));
  const ctxproc = await startCtxproc(['--rules', directory, '--shutdown-delay', '0']);
  const client = new EnvoyClient({ target: ctxproc.grpcTarget, messageTimeoutMs: 10_000 });

  let transactions = 0;
  const measured = await measure(ctxproc, async () => {
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      await client.run(get('/t7/x', [['x-tenant', 'tenant-7']]), () => ({ status: 200, headers: [] }));
      transactions += 1;
      await pause();
      await rulesStatus(ctxproc);
    }
  });
  console.log(`| none (idle baseline, 1 s) | - | - | ${Math.round(transactions / TRIALS)} | ${cells(measured)} |`);
  client.close();
  await ctxproc.stop();
}

if (SECTIONS.has('inputs')) {
  await runInputs();
}
if (SECTIONS.has('rules')) {
  await runRuleCounts();
}
if (SECTIONS.has('reload')) {
  await runReloads();
}
