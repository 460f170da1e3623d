// Counts detection results per corpus class and builds the report that
// `npm run corpus` prints.
import type { HttpRequestSpec } from '../../client/types.js';
import { TARGET_CLASSES, type CorpusClass } from './crs-classes.js';

export interface ClassFigures {
  attack_tests: number;
  detected: number;
  rate: number;
}

export interface CorpusReport {
  classes: Record<string, ClassFigures>;
  /** Mean of the rates of TARGET_CLASSES that have attack tests. */
  mean_detection_rate: number;
  /** Lowest rate among TARGET_CLASSES that have attack tests. */
  min_class_rate: number;
  benign_tests: number;
  false_positives: number;
  false_positive_rate: number;
  /**
   * Tests with `no_expect_ids` whose request, byte for byte, is also a
   * paranoia-level-1 attack test of the same class elsewhere in the corpus.
   * The corpus contradicts itself on them, so they are neither benign nor
   * attack tests here.
   */
  contradicted_benign_tests: number;
  /**
   * False positives on which a second engine (libddwaf with Datadog's
   * recommended rules) reports the same class for the same request. A
   * `no_expect_ids` label only requires one CRS rule to stay silent, so it
   * does not state that the request is benign. Null when the check was skipped.
   */
  disputed_false_positives: number | null;
  /** False positives that are not disputed, over the benign tests that are not disputed; null when the check was skipped. */
  false_positive_rate_undisputed: number | null;
  /** The engine that checked the false positives, or why the check was skipped. */
  false_positive_check: string;
  /** Test stages not sent because Envoy would reject them before ext_proc. */
  skipped: number;
  /** Attack tests whose expected rules are all above paranoia level 1. */
  out_of_scope: number;
  /** Source of the detections: `server` (events of a running ctxproc) or `in_process` (direct calls). */
  path: 'server' | 'in_process';
}

/** One test's outcome: what it is and which classes ctxproc reported for it. */
export interface TestOutcome {
  source: string;
  attackClass: CorpusClass | undefined;
  /** Classes a false-positive test must not be flagged as; empty for other tests. */
  benignClasses: readonly CorpusClass[];
  detectedClasses: ReadonlySet<string>;
  /** The request's identity, from requestKey: equal keys mean the same bytes on the wire. */
  requestKey: string;
  /** The request itself, for a second engine to check a false positive on. */
  request?: HttpRequestSpec;
}

/** A second engine's view of a request: the ctxproc classes it reports, or why it is absent. */
export type SecondOpinion = { name: string; classesOf(request: HttpRequestSpec): ReadonlySet<string> } | { unavailable: string };

/** Returns a key equal for two requests exactly when method, path, headers and body are equal. */
export function requestKey(request: HttpRequestSpec): string {
  const headers = request.headers.map(([name, value]) => `${name.toLowerCase()}: ${value}`).sort();
  return JSON.stringify([request.method, request.authority, request.path, headers, request.body?.toString('base64') ?? '']);
}

/** Miss and false-positive sources, kept for the `--misses` listing. */
export interface CorpusMisses {
  missed: Map<string, string[]>;
  /** Each false positive's source and classes, marked `disputed by …` when the second engine agrees. */
  falsePositives: string[];
}

export class CorpusTally {
  private readonly figures = new Map<string, { attack: number; detected: number }>();
  private readonly attackKeys = new Set<string>();
  private readonly benignOutcomes: TestOutcome[] = [];
  private skippedCount = 0;
  private outOfScopeCount = 0;
  readonly misses: CorpusMisses = { missed: new Map(), falsePositives: [] };

  addSkipped(): void {
    this.skippedCount += 1;
  }

  addOutOfScope(): void {
    this.outOfScopeCount += 1;
  }

  add(outcome: TestOutcome): void {
    const attackClass = outcome.attackClass;
    if (attackClass !== undefined) {
      const entry = this.figures.get(attackClass.name) ?? { attack: 0, detected: 0 };
      entry.attack += 1;
      if (attackClass.accepted.some((name) => outcome.detectedClasses.has(name))) {
        entry.detected += 1;
      } else {
        const list = this.misses.missed.get(attackClass.name) ?? [];
        list.push(outcome.source);
        this.misses.missed.set(attackClass.name, list);
      }
      this.figures.set(attackClass.name, entry);
      this.attackKeys.add(`${attackClass.name}\n${outcome.requestKey}`);
      return;
    }

    if (outcome.benignClasses.length > 0) {
      this.benignOutcomes.push(outcome);
    }
  }

  // Attack tests may come after the benign tests they contradict, so benign
  // tests are counted once every test has been added.
  private countBenign(secondOpinion: SecondOpinion): BenignCounts {
    const counts: BenignCounts = { benign: 0, falsePositives: 0, contradicted: 0, disputed: 0 };
    this.misses.falsePositives.length = 0;
    for (const outcome of this.benignOutcomes) {
      const classes = outcome.benignClasses.filter((corpusClass) => !this.attackKeys.has(`${corpusClass.name}\n${outcome.requestKey}`));
      if (classes.length === 0) {
        counts.contradicted += 1;
        continue;
      }
      counts.benign += 1;
      const accepted = classes.flatMap((corpusClass) => corpusClass.accepted);
      const flagged = accepted.filter((name) => outcome.detectedClasses.has(name));
      if (flagged.length === 0) {
        continue;
      }
      counts.falsePositives += 1;
      const agreeing = disputedBy(secondOpinion, outcome, accepted);
      counts.disputed += agreeing.length > 0 ? 1 : 0;
      const dispute = agreeing.length > 0 ? ` disputed: the second engine reports ${agreeing.join(',')}` : '';
      this.misses.falsePositives.push(`${outcome.source} [${flagged.join(',')}]${dispute}`);
    }
    return counts;
  }

  /** Builds the report; `secondOpinion` checks each false positive, or gives the reason it is unavailable. */
  report(path: CorpusReport['path'], secondOpinion: SecondOpinion = { unavailable: 'no second engine given' }): CorpusReport {
    const classes: Record<string, ClassFigures> = {};
    for (const name of [...this.figures.keys()].sort()) {
      const entry = this.figures.get(name)!;
      classes[name] = { attack_tests: entry.attack, detected: entry.detected, rate: ratio(entry.detected, entry.attack) };
    }

    const targetRates = TARGET_CLASSES.filter((name) => classes[name] !== undefined).map((name) => classes[name]!.rate);
    const counts = this.countBenign(secondOpinion);
    const checked = !('unavailable' in secondOpinion);
    const mean = targetRates.length === 0 ? 0 : targetRates.reduce((sum, rate) => sum + rate, 0) / targetRates.length;
    return {
      classes,
      mean_detection_rate: round(mean),
      min_class_rate: targetRates.length === 0 ? 0 : Math.min(...targetRates),
      benign_tests: counts.benign,
      false_positives: counts.falsePositives,
      false_positive_rate: ratio(counts.falsePositives, counts.benign),
      disputed_false_positives: checked ? counts.disputed : null,
      false_positive_rate_undisputed: checked ? ratio(counts.falsePositives - counts.disputed, counts.benign - counts.disputed) : null,
      false_positive_check: checked ? secondOpinion.name : `skipped: ${secondOpinion.unavailable}`,
      contradicted_benign_tests: counts.contradicted,
      skipped: this.skippedCount,
      out_of_scope: this.outOfScopeCount,
      path,
    };
  }
}

interface BenignCounts {
  benign: number;
  falsePositives: number;
  contradicted: number;
  /** False positives on which the second engine reports a class the test must not be flagged as. */
  disputed: number;
}

// A false positive is disputed when the second engine, on the same request,
// reports a class that the test's `no_expect_ids` rule belongs to.
function disputedBy(secondOpinion: SecondOpinion, outcome: TestOutcome, accepted: readonly string[]): string[] {
  if ('unavailable' in secondOpinion || outcome.request === undefined) {
    return [];
  }
  const theirs = secondOpinion.classesOf(outcome.request);
  return accepted.filter((name) => theirs.has(name));
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : round(part / whole);
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
