// `npm run bench:reload-gc`: the garbage collections of a live reload,
// counted by what V8 reports rather than by wall time, so that a busy
// shared CPU does not blur the figures. A scavenge's pause grows with the
// bytes it copies (objects that survive it), and that count does not depend
// on the scheduler. The script runs itself again under --trace-gc-nvp,
// with the Node flags ctxproc ships with (CTXPROC_NODE_FLAGS), reloads
// COUNTxFILES rules in slices as the reloader does, and reads the
// scavenges between the markers it prints around each reload. It also
// reports the heap one active set keeps alive, which the collector marks
// during every later reload until a reload replaces the set.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleEngine } from '../src/rules/engine.js';
import { compileRuleFileSteps, readRuleFiles, type RuleFileContents } from '../src/rules/load.js';
import { runAtOnce, runInSlices } from '../src/rules/reload/slices.js';
import { WorkerFileParser } from '../src/rules/reload/worker-parser.js';
import type { RuleSet } from '../src/rules/types.js';
import { readCommandLine, type OptionSpec, type ScriptSpec } from './lib/options.js';
import { formatReloadSpec, readReloadSpec, type ReloadSpec } from './lib/reload-spec.js';
import { CTXPROC_NODE_FLAGS } from './servers.js';

const PARSE_MODES = ['worker', 'main'] as const;

const SCRIPT = {
  name: 'reload-gc',
  command: 'npm run bench:reload-gc --',
  summary: 'Counts the garbage collections of live reloads, as V8 reports them under --trace-gc-nvp, and the heap one active rule set keeps alive.',
  options: {
    reload: { type: 'string', default: '1000x10,5000x50', value: 'SPECS', help: 'reloads to measure, comma-separated, each COUNTxFILES: COUNT rules spread evenly over FILES files' },
    trials: { type: 'string', default: '3', value: 'N', help: 'reloads of each spec, 1 or more' },
    parse: { type: 'string', default: 'worker', value: 'MODE', help: 'where rule files are parsed: worker (a worker thread, as the reloader does) or main (the main thread)' },
    child: { type: 'string', value: 'COUNTxFILES', help: 'internal: runs the reloads of one spec in the child process that the script starts (default: none)' },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

const options = readCommandLine(SCRIPT, (commandLine) => ({
  reloads: commandLine.list('reload', (item) => readReloadSpec('reload', item)),
  trials: commandLine.wholeNumber('trials', { min: 1 }),
  parse: commandLine.choice('parse', PARSE_MODES),
  child: commandLine.values.child === undefined ? undefined : readReloadSpec('child', commandLine.values.child),
}));

const START_MARKER = 'reload-gc: start';
const END_MARKER = 'reload-gc: end';
const RETAINED_MARKER = 'reload-gc: retained bytes ';

/** Writes `count` rules of the adversarial benchmark's shape to `file`; `variant` makes the ids new. */
function writeRules(count: number, file: string, variant: string): void {
  const lines = ['apiVersion: ctxproc.dev/v1', 'kind: RuleSet', `metadata: { name: many-${count} }`, 'rules:'];
  for (let i = 0; i < count; i += 1) {
    lines.push(`  - id: rule-${variant}${i}`, `    description: Tags requests of tenant ${i}.`, `    when: "request.headers['x-tenant'] == 'tenant-${i}' && request.url_path.startsWith('/t${i}/')"`, `    actions:`, `      - tag: { tenant: t${i} }`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Reloads from 1 rule to the spec's rules `trials` times in the child, in slices as the reloader does, each between markers. */
async function reloadInChild({ count, files }: ReloadSpec, trials: number): Promise<void> {
  // A first collection before any worker starts names the main thread's
  // isolate in the trace, so that the parent can leave out the worker's.
  (globalThis as { gc?: () => void }).gc?.();
  let active = new RuleEngine(compileAtOnce(1));

  for (let trial = 0; trial < trials; trial += 1) {
    const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-reload-gc-'));
    for (let file = 0; file < files; file += 1) {
      writeRules(count / files, path.join(directory, `rules-${file}.yaml`), `v${trial}-f${file}-`);
    }
    const contents = readRuleFiles(directory);

    console.log(START_MARKER);
    const ruleSet = await compileInSlices(contents);
    active = await runInSlices(RuleEngine.steps(ruleSet));
    console.log(END_MARKER);
  }
  console.log(`reload-gc: ${active.ruleSet.rules.length} rules active`);
  console.log(`${RETAINED_MARKER}${retainedBytes(count, files)}`);
}

/**
 * Measures the bytes that one active set of `count` rules keeps alive until
 * the next reload replaces it: the live heap with the set, less the live
 * heap before it was built. A separate function builds the set, so that no
 * register of this frame keeps the compile's temporaries alive.
 */
function retainedBytes(count: number, files: number): number {
  const before = liveHeapBytes();
  const engine = activateAtOnce(count, files);
  const after = liveHeapBytes();

  assert.equal(engine.ruleSet.rules.length, count);
  return after - before;
}

function activateAtOnce(count: number, files: number): RuleEngine {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-reload-gc-'));
  for (let file = 0; file < files; file += 1) {
    writeRules(count / files, path.join(directory, `rules-${file}.yaml`), `retained-f${file}-`);
  }
  return new RuleEngine(runAtOnce(compileRuleFileSteps(readRuleFiles(directory))));
}

/** Returns the heap in use after a full collection; the child runs with --expose-gc. */
function liveHeapBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** Compiles contents in slices as the reloader does, parsing on the thread that --parse selects. */
async function compileInSlices(contents: RuleFileContents): Promise<RuleSet> {
  if (options.parse === 'main') {
    return runInSlices(compileRuleFileSteps(contents));
  }

  const parser = new WorkerFileParser();
  try {
    return await runInSlices(compileRuleFileSteps(contents, {}, parser.stepsFor(contents.files)));
  } finally {
    await parser.close();
  }
}

/** Compiles a set of `count` rules at once, as startup does. */
function compileAtOnce(count: number): RuleSet {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-reload-gc-'));
  writeRules(count, path.join(directory, 'rules-0.yaml'), 'start-');
  return runAtOnce(compileRuleFileSteps(readRuleFiles(directory)));
}

interface Collection {
  /** 's' for a scavenge, 'mc' for a mark-compact, as --trace-gc-nvp names them. */
  kind: string;
  pauseMs: number;
  /** Bytes a scavenge copied: objects promoted to the old generation and objects kept in the young one. */
  copiedBytes: number;
  /** Bytes a scavenge promoted to the old generation, where only a mark-compact frees them. */
  promotedBytes: number;
}

/** Reads the collections that --trace-gc-nvp printed between start and end markers. */
function collectionsDuringReloads(output: string): Collection[] {
  const collections: Collection[] = [];
  // Each trace line starts with [pid:isolate:...]; the first one is the main thread's.
  const isolateOf = (line: string): string => line.split(':').slice(0, 2).join(':');
  const mainIsolate = isolateOf(output.split('\n').find((line) => line.includes(' gc=')) ?? '');
  let inside = false;
  for (const line of output.split('\n')) {
    if (line === START_MARKER || line === END_MARKER) {
      inside = line === START_MARKER;
      continue;
    }
    if (!inside || !line.includes(' gc=') || isolateOf(line) !== mainIsolate) {
      continue;
    }
    const fields = new Map(Array.from(line.matchAll(/(\S+)=(\S+)/g), (match) => [match[1]!, match[2]!]));
    const promotedBytes = Number(fields.get('promoted') ?? 0);
    collections.push({ kind: fields.get('gc') ?? '', pauseMs: Number(fields.get('pause')), copiedBytes: promotedBytes + Number(fields.get('semi_space_copied') ?? 0), promotedBytes });
  }
  return collections;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? NaN;
}

function runParent(): void {
  const script = fileURLToPath(import.meta.url);
  const trials = options.trials;
  console.log('| reload to rules | files | scavenges per reload | copied MiB per reload | promoted MiB per reload | copied KiB max | copied KiB p90 | scavenge pause ms max | scavenge pause ms p90 | mark-compact pauses ms | MiB retained by the set |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');

  for (const reload of options.reloads) {
    const spec = formatReloadSpec(reload);
    const child = spawnSync(process.execPath, [...CTXPROC_NODE_FLAGS, '--trace-gc-nvp', '--expose-gc', script, '--child', spec, '--trials', String(trials), '--parse', options.parse], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (child.status !== 0) {
      throw new Error(`the reload of ${spec} rules failed with exit status ${child.status}: ${child.stderr.slice(-2000)}`);
    }
    const collections = collectionsDuringReloads(child.stdout);
    const scavenges = collections.filter((collection) => collection.kind === 's');
    const markCompacts = collections.filter((collection) => collection.kind === 'mc').map((collection) => collection.pauseMs);
    const copiedKib = scavenges.map((scavenge) => Math.round(scavenge.copiedBytes / 1024));
    const pauses = scavenges.map((scavenge) => scavenge.pauseMs);
    const promotedMib = scavenges.reduce((sum, scavenge) => sum + scavenge.promotedBytes, 0) / 1024 / 1024 / trials;
    const { count, files } = reload;
    const retainedLine = child.stdout.split('\n').find((line) => line.startsWith(RETAINED_MARKER)) ?? '';
    const retainedMib = Number(retainedLine.slice(RETAINED_MARKER.length)) / 1024 / 1024;
    console.log(`| ${count} | ${files} | ${Math.round(scavenges.length / trials)} | ${Math.round(copiedKib.reduce((sum, kib) => sum + kib, 0) / 1024 / trials)} | ${promotedMib.toFixed(1)} | ${Math.max(...copiedKib)} | ${percentile(copiedKib, 0.9)} | ${Math.max(...pauses)} | ${percentile(pauses, 0.9)} | ${markCompacts.join(', ') || '-'} | ${retainedMib.toFixed(1)} |`);
  }
}

if (options.child === undefined) {
  runParent();
} else {
  await reloadInChild(options.child, options.trials);
}
