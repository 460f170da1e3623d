// The rule set that new transactions run on, and the last rule set that was
// rejected. Activating a new set is one assignment, so every stream opened
// after it runs on the new engine, while a stream already open keeps the
// engine it took at its start, because the stream handler takes the engine
// once per stream.
import { RuleEngine, type EngineOptions } from '../engine.js';
import type { RuleProblem } from '../problems.js';
import type { RuleSet } from '../types.js';
import { runInSlices } from './slices.js';

/** A rule set that failed to load or whose tests failed, and why. */
export interface RejectedAttempt {
  at: Date;
  /** Content hash of the rejected files; null when they could not even be listed. */
  version: string | null;
  /** The first problems, at most MAX_LISTED_PROBLEMS of them. */
  problems: readonly RuleProblem[];
  /** Count of the attempt's problems, listed or not. */
  problemCount: number;
}

/** The active rule set and the last rejection, as the admin /rules endpoint shows them. */
export interface RulesStatus {
  version: string;
  loadedAt: string;
  ruleCount: number;
  testCount: number;
  files: string[];
  /** The last rejected reload, or null when none was rejected since the active set loaded. */
  lastRejected: { at: string; version: string | null; problemCount: number; problems: readonly RuleProblem[] } | null;
}

export class LiveRules {
  #engine: RuleEngine;
  #rejected: RejectedAttempt | null = null;
  /** Options of every engine built, such as dry-run. */
  readonly #engineOptions: EngineOptions;

  constructor(initial: RuleSet, engineOptions: EngineOptions = {}) {
    this.#engineOptions = engineOptions;
    this.#engine = new RuleEngine(initial, engineOptions);
  }

  /** The engine for a transaction that starts now. */
  get engine(): RuleEngine {
    return this.#engine;
  }

  get ruleSet(): RuleSet {
    return this.#engine.ruleSet;
  }

  get lastRejected(): RejectedAttempt | null {
    return this.#rejected;
  }

  /** Makes ruleSet the one new transactions run on; it must be compiled and tested already. */
  activate(ruleSet: RuleSet): void {
    // The engine is built before the swap, so the swap itself cannot fail halfway.
    const engine = new RuleEngine(ruleSet, this.#engineOptions);
    this.#engine = engine;
  }

  /** Does what activate does, building the new engine in slices so that serving goes on meanwhile; the swap itself is one assignment. */
  async activateInSlices(ruleSet: RuleSet): Promise<void> {
    this.#engine = await runInSlices(RuleEngine.steps(ruleSet, this.#engineOptions));
  }

  reject(attempt: RejectedAttempt): void {
    this.#rejected = attempt;
  }

  /**
   * Forgets the last rejection, once a set compiled from every current file
   * is active: any problem left in those files would have rejected it, so
   * none of the old problems remains to fix.
   */
  clearRejection(): void {
    this.#rejected = null;
  }

  status(): RulesStatus {
    const ruleSet = this.ruleSet;
    const rejected = this.#rejected;

    return {
      version: ruleSet.version,
      loadedAt: ruleSet.loadedAt.toISOString(),
      ruleCount: ruleSet.rules.length,
      testCount: ruleSet.tests.length,
      files: ruleSet.files,
      lastRejected: rejected === null ? null : { at: rejected.at.toISOString(), version: rejected.version, problemCount: rejected.problemCount, problems: rejected.problems },
    };
  }
}
