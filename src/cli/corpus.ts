// `npm run corpus`: measures attack detection on go-ftw test files, by
// default the OWASP CRS regression tests beside this repository. It prints
// per-class rates and false positives, and `--json` adds a last line of JSON.
// When libddwaf is installed, it also counts the false positives that
// libddwaf flags with the same class (disputed).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { readRuleLevels } from '../detection/corpus/crs-classes.js';
import { measureInProcess } from '../detection/corpus/in-process.js';
import { loadLibddwaf } from '../detection/corpus/libddwaf.js';
import { measureThroughServer } from '../detection/corpus/server.js';
import type { CorpusReport, SecondOpinion } from '../detection/corpus/tally.js';

const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEFAULT_CORPUS = path.join(REPOSITORY_ROOT, '../shared/corpus/crs');
const DEFAULT_RULES = path.join(REPOSITORY_ROOT, 'rules');

interface CorpusOptions {
  json?: boolean;
  misses?: boolean;
  ruleLevels?: string;
  rules: string;
  inProcess?: boolean;
}

const program = new Command('corpus')
  .description('Measure attack detection on go-ftw test files through a ctxproc server running the rules. Prints per-class rates and false positives, and checks the false positives with libddwaf when it is installed.')
  .argument('[paths...]', 'go-ftw YAML files or folders; default: the CRS tests folder')
  .option('--json', 'also print every figure as one JSON object on the last line')
  .option('--misses', 'list the tests missed and the false positives, marking those that libddwaf flags with the same class')
  .option('--rules <path>', 'rules file or folder the measuring server loads', DEFAULT_RULES)
  .option('--in-process', 'call the detectors directly instead of replaying through a server with the rules')
  .option('--rule-levels <file>', 'rule-levels.tsv mapping CRS rule ids to paranoia levels and rule files; default: the first one found in or above the first path')
  .action(async (paths: string[], options: CorpusOptions) => {
    const inputs = paths.length > 0 ? paths : [path.join(DEFAULT_CORPUS, 'tests')];
    if (paths.length === 0 && !fs.existsSync(inputs[0]!)) {
      throw new Error(`CRS corpus not found at ${inputs[0]}; pass go-ftw test files or folders as arguments`);
    }
    const rules = await readRuleLevels(options.ruleLevels ?? findRuleLevels(inputs[0]!));
    const tally = options.inProcess === true ? await measureInProcess(inputs, rules) : await measureThroughServer(inputs, rules, { rules: options.rules });
    const report = withSecondOpinion((secondOpinion) => tally.report(options.inProcess === true ? 'in_process' : 'server', secondOpinion));
    if (options.misses === true) {
      for (const [name, sources] of tally.misses.missed) {
        console.log(`missed ${name}:\n  ${sources.join('\n  ')}`);
      }
      console.log(`false positives:\n  ${tally.misses.falsePositives.join('\n  ')}`);
    }
    console.log(formatReport(report));
    if (options.json === true) {
      console.log(JSON.stringify(report));
    }
  });

// libddwaf is a devDependency: without it the literal figures stand alone
// and the report states that the check was skipped.
function withSecondOpinion(build: (secondOpinion: SecondOpinion) => CorpusReport): CorpusReport {
  const libddwaf = loadLibddwaf();
  if ('unavailable' in libddwaf) {
    return build(libddwaf);
  }
  try {
    return build({ name: libddwaf.description, classesOf: libddwaf.classesOf });
  } finally {
    libddwaf.dispose();
  }
}

// The CRS corpus keeps rule-levels.tsv beside its tests folder.
function findRuleLevels(start: string): string {
  for (let directory = path.resolve(start); ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, 'rule-levels.tsv');
    if (fs.existsSync(candidate)) {
      return candidate;
    }
    if (path.dirname(directory) === directory) {
      throw new Error(`no rule-levels.tsv found in or above ${start}; pass --rule-levels FILE`);
    }
  }
}

function disputeLine(report: CorpusReport): string {
  if (report.disputed_false_positives === null || report.false_positive_rate_undisputed === null) {
    return `false positives checked with a second engine: ${report.false_positive_check}`;
  }
  const undisputed = report.false_positives - report.disputed_false_positives;
  const rest = report.benign_tests - report.disputed_false_positives;
  return `false positives that ${report.false_positive_check} reports with the same class (disputed): ${report.disputed_false_positives}; undisputed: ${undisputed} of ${rest} (${(report.false_positive_rate_undisputed * 100).toFixed(1)}%)`;
}

function formatReport(report: CorpusReport): string {
  const lines = ['class            attack  detected  rate'];
  for (const [name, figures] of Object.entries(report.classes)) {
    lines.push(`${name.padEnd(16)} ${String(figures.attack_tests).padStart(6)}  ${String(figures.detected).padStart(8)}  ${(figures.rate * 100).toFixed(1)}%`);
  }
  lines.push(`mean detection over the target classes: ${(report.mean_detection_rate * 100).toFixed(1)}%`);
  lines.push(`false positives: ${report.false_positives} of ${report.benign_tests} benign tests (${(report.false_positive_rate * 100).toFixed(1)}%)`);
  lines.push(disputeLine(report));
  lines.push(`benign tests left out because the same request is an attack test of that class: ${report.contradicted_benign_tests}`);
  return lines.join('\n');
}

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`ctxproc corpus: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
