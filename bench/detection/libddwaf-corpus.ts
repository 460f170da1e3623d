// Compares ctxproc's detectors with Datadog's libddwaf (@datadog/native-appsec)
// running the recommended rules that dd-trace ships, on the same go-ftw
// corpus and the same typical request. Both run in this process on the same
// requests, and the same tally counts them, so the figures sit side by side.
// Run: npm run bench:detection:libddwaf [-- go-ftw files or folders] [--false-positives] [--misses]
//
// libddwaf reads parsed addresses (src/detection/corpus/libddwaf.ts).
// Parsing is done before timing; ctxproc's time includes its own.
//
// libddwaf stops at the first rule that matches a request, so one run
// reports one class. For the detection figures the rules of each class run
// in a WAF instance of their own and the classes are joined; the CPU
// figures time one instance with every rule, as dd-trace runs it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRequestSpec } from '../../src/client/types.js';
import { attackClassOf, benignClassesOf, readRuleLevels, type CrsRule } from '../../src/detection/corpus/crs-classes.js';
import { exchangeOf } from '../../src/detection/corpus/exchange-of.js';
import { loadLibddwaf, wafAddresses, wafClasses } from '../../src/detection/corpus/libddwaf.js';
import { CorpusTally, requestKey, type CorpusReport } from '../../src/detection/corpus/tally.js';
import { detectRequest } from '../../src/detection/index.js';
import type { Exchange } from '../../src/model/exchange.js';
import { expandReplayPaths, readReplayFile } from '../../src/replay/files.js';
import { readCommandLine, UsageError, type OptionSpec, type ScriptSpec } from '../lib/options.js';
import { cpuMicrosecondsPerCall, TYPICAL } from './typical-request.js';

const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CORPUS = path.join(REPOSITORY_ROOT, '../shared/corpus/crs');

interface CorpusRequest {
  source: string;
  request: HttpRequestSpec;
  exchange: Exchange;
  addresses: Record<string, unknown>;
  expectIds: number[];
  noExpectIds: number[];
}

async function readCorpus(paths: string[], rules: ReadonlyMap<number, CrsRule>): Promise<{ requests: CorpusRequest[]; skipped: number; outOfScope: number }> {
  const requests: CorpusRequest[] = [];
  let skipped = 0;
  let outOfScope = 0;
  for (const file of await expandReplayPaths(paths)) {
    for (const item of await readReplayFile(file)) {
      if (item.kind === 'skipped') {
        skipped += 1;
        continue;
      }
      if (item.kind !== 'ftw') {
        continue;
      }
      const expectIds = item.expect.ids ?? [];
      const attackClass = attackClassOf(expectIds, rules);
      // libddwaf's recommended rules read requests only, so response-side tests are left to ctxproc's own report.
      if ((expectIds.length > 0 && attackClass === undefined) || attackClass?.side === 'response') {
        outOfScope += 1;
        continue;
      }
      requests.push({ source: item.source, request: item.request, exchange: exchangeOf(item.request, null), addresses: wafAddresses(item.request), expectIds, noExpectIds: item.expect.noIds ?? [] });
    }
  }
  return { requests, skipped, outOfScope };
}

/** Runs `detect` on every request, timing the whole loop, and tallies the classes it reports. */
function measure(requests: readonly CorpusRequest[], rules: ReadonlyMap<number, CrsRule>, detect: (request: CorpusRequest) => Set<string>): { report: CorpusReport; microsecondsPerRequest: number; misses: CorpusTally['misses'] } {
  const found: Set<string>[] = [];
  const start = process.cpuUsage();
  for (const request of requests) {
    found.push(detect(request));
  }
  const used = process.cpuUsage(start);

  const tally = new CorpusTally();
  requests.forEach((request, index) => {
    tally.add({
      source: request.source,
      attackClass: attackClassOf(request.expectIds, rules),
      benignClasses: request.expectIds.length === 0 ? benignClassesOf(request.noExpectIds, rules) : [],
      detectedClasses: found[index]!,
      requestKey: requestKey(request.request),
    });
  });
  const report = tally.report('in_process');
  return { report, microsecondsPerRequest: (used.user + used.system) / Math.max(1, requests.length), misses: tally.misses };
}

function row(name: string, ours: CorpusReport, theirs: CorpusReport): string {
  const cell = (report: CorpusReport): string => {
    const figures = report.classes[name];
    return figures === undefined ? '-' : `${figures.detected}/${figures.attack_tests} (${(figures.rate * 100).toFixed(1)}%)`;
  };
  return `| ${name} | ${cell(ours)} | ${cell(theirs)} |`;
}

const SCRIPT = {
  name: 'libddwaf-corpus',
  command: 'npm run bench:detection:libddwaf --',
  summary: `Compares ctxproc's detectors with libddwaf on go-ftw test files or folders (default: ${path.join(CORPUS, 'tests')}).`,
  positionals: '[PATH ...]',
  options: {
    'false-positives': { type: 'boolean', help: 'also lists the corpus tests that libddwaf flagged but should not have' },
    misses: { type: 'boolean', help: 'also lists the attack tests that libddwaf missed, by class' },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

const { inputs, listFalsePositives, listMisses } = readCommandLine(SCRIPT, (commandLine) => {
  const inputs = commandLine.positionals.length > 0 ? commandLine.positionals : [path.join(CORPUS, 'tests')];
  const missing = inputs.filter((input) => !fs.existsSync(input));
  if (missing.length > 0) {
    throw new UsageError(`corpus not found at ${missing.join(', ')}; pass existing go-ftw test files or folders as arguments`);
  }
  return { inputs, listFalsePositives: commandLine.values['false-positives'], listMisses: commandLine.values.misses };
});
const ruleLevels = await readRuleLevels(path.join(CORPUS, 'rule-levels.tsv'));
const libddwaf = loadLibddwaf();
if ('unavailable' in libddwaf) {
  throw new Error(`libddwaf unavailable: ${libddwaf.unavailable}`);
}
const waf = libddwaf.all;
const { requests, skipped, outOfScope } = await readCorpus(inputs, ruleLevels);

const ours = measure(requests, ruleLevels, (request) => new Set(detectRequest(request.exchange).map((detection) => detection.class)));
const theirs = measure(requests, ruleLevels, (request) => libddwaf.classesOf(request.request));
const deployed = measure(requests, ruleLevels, (request) => wafClasses(waf, request.addresses));
const typicalAddresses = wafAddresses({ method: 'POST', path: TYPICAL.request!.path, scheme: 'https', authority: TYPICAL.request!.host, headers: TYPICAL.request!.headers, body: TYPICAL.request!.body!.bytes });

console.log(`${libddwaf.description}; ${requests.length} requests, ${skipped} not sendable, ${outOfScope} response-side or above paranoia level 1`);
console.log('| class | ctxproc | libddwaf |');
console.log('|---|---:|---:|');
for (const name of Object.keys(ours.report.classes)) {
  console.log(row(name, ours.report, theirs.report));
}
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
console.log(`| mean over the target classes | ${percent(ours.report.mean_detection_rate)} | ${percent(theirs.report.mean_detection_rate)} |`);
console.log(`| false positives | ${ours.report.false_positives}/${ours.report.benign_tests} (${percent(ours.report.false_positive_rate)}) | ${theirs.report.false_positives}/${theirs.report.benign_tests} (${percent(theirs.report.false_positive_rate)}) |`);
console.log(`| CPU per corpus request | ${ours.microsecondsPerRequest.toFixed(1)} µs | ${deployed.microsecondsPerRequest.toFixed(1)} µs |`);
console.log(`| CPU per typical 1 KB request | ${cpuMicrosecondsPerCall(() => detectRequest(TYPICAL)).toFixed(1)} µs | ${cpuMicrosecondsPerCall(() => wafClasses(waf, typicalAddresses)).toFixed(1)} µs |`);
if (listFalsePositives) {
  console.log(`libddwaf false positives:\n  ${theirs.misses.falsePositives.join('\n  ')}`);
}
if (listMisses) {
  for (const [name, sources] of theirs.misses.missed) {
    console.log(`libddwaf missed ${name}:\n  ${sources.join('\n  ')}`);
  }
}
console.log(`libddwaf with every rule in one instance, first match only: mean ${percent(deployed.report.mean_detection_rate)}, false positives ${deployed.report.false_positives}/${deployed.report.benign_tests}`);
libddwaf.dispose();
