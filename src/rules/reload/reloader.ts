// Picks up a changed rule set while ctxproc serves: reads the files, and when
// their content hash differs from the last one seen, compiles them, runs
// their rule tests, and activates the new set only if both succeed. A set
// that fails is logged with every problem, counted, and kept on record for
// the admin endpoint; the active set keeps serving.
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/metrics.js';
import { compileRuleFileSteps, readRuleFiles, type RuleLoadOptions } from '../load.js';
import { formatProblem, listedProblems, omittedProblemsLine, RuleLoadError, type RuleProblem } from '../problems.js';
import type { RuleSet } from '../types.js';
import type { LiveRules } from './live-rules.js';
import { RuleWatcher } from './rule-watcher.js';
import { runInSlices } from './slices.js';
import { WorkerFileParser } from './worker-parser.js';

/** `failed`: the check itself failed, such as its parsing worker. That is no fault of the files, so the next check tries them again. */
export type ReloadOutcome = 'unchanged' | 'applied' | 'rejected' | 'failed';

export interface RuleReloaderOptions {
  target: string;
  live: LiveRules;
  logger: Logger;
  metrics: Metrics;
  /** Runs the rule tests of a compiled set; returns their failures as problems, empty when all pass. */
  verify(ruleSet: RuleSet): Promise<RuleProblem[]>;
  /** How to compile a changed set, such as the sink names its log actions may use. */
  loadOptions?: RuleLoadOptions;
  /** Milliseconds between checks without a watch event; default 1000, so a change lands within 2 s even unwatched. */
  pollIntervalMs?: number;
  /** Milliseconds to let a burst of watch events settle; default 100. */
  settleMs?: number;
  /** Script of the thread that parses the rule files; parse-worker.js by default. Tests point it at one that fails to load. */
  parseWorkerUrl?: URL;
}

const DEFAULT_POLL_INTERVAL_MS = 1000;
const DEFAULT_SETTLE_MS = 100;

export class RuleReloader {
  readonly #options: RuleReloaderOptions;
  readonly #watcher: RuleWatcher;
  /** Content hash of the files last read, accepted or not, so a rejected set is reported once. */
  #lastSeen: string;
  /** The check waiting to start; a trigger while one waits joins it. */
  #queued: Promise<ReloadOutcome> | null = null;
  #previous: Promise<unknown> = Promise.resolve();

  constructor(options: RuleReloaderOptions) {
    this.#options = options;
    this.#lastSeen = options.live.ruleSet.version;
    this.#watcher = new RuleWatcher({
      target: options.target,
      logger: options.logger,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      settleMs: options.settleMs ?? DEFAULT_SETTLE_MS,
      onChange: () => {
        this.check().catch((error: unknown) => options.logger.error({ err: error, rules_path: options.target }, 'checking the rule files for changes failed; the active rule set keeps serving'));
      },
    });
  }

  start(): void {
    this.#watcher.start();
  }

  close(): void {
    this.#watcher.close();
  }

  /** Checks the rule path now; checks run one at a time, in order. */
  check(): Promise<ReloadOutcome> {
    if (this.#queued !== null) {
      return this.#queued;
    }

    const queued = this.#previous.then(() => {
      this.#queued = null;
      return this.#checkOnce();
    });
    this.#queued = queued;
    this.#previous = queued.catch(() => undefined);
    return queued;
  }

  async #checkOnce(): Promise<ReloadOutcome> {
    let contents;
    try {
      contents = readRuleFiles(this.#options.target);
    } catch (error) {
      return this.#rejectOnce(`unlistable:${(error as Error).message}`, null, problemsOf(error));
    }
    if (contents.version === this.#lastSeen) {
      return 'unchanged';
    }
    const previouslySeen = this.#lastSeen;
    this.#lastSeen = contents.version;

    let ruleSet: RuleSet;
    const parser = new WorkerFileParser(this.#options.parseWorkerUrl);
    try {
      // In slices: compiling thousands of rules at once would stall serving for hundreds of milliseconds.
      ruleSet = await runInSlices(compileRuleFileSteps(contents, this.#options.loadOptions, parser.stepsFor(contents.files)));
    } catch (error) {
      if (error instanceof RuleLoadError) {
        return this.#reject(contents.version, [...error.problems]);
      }
      // A failed parsing worker is no fault of the files, so the next check tries them again.
      this.#lastSeen = previouslySeen;
      return this.#fail(contents.version, error instanceof Error ? error : new Error(String(error)));
    } finally {
      await parser.close();
    }

    const failures = await this.#verify(ruleSet);
    if (failures.length > 0) {
      return this.#reject(ruleSet.version, failures);
    }
    await this.#activate(ruleSet);
    return 'applied';
  }

  async #verify(ruleSet: RuleSet): Promise<RuleProblem[]> {
    try {
      return await this.#options.verify(ruleSet);
    } catch (error) {
      return [{ code: 'test_failed', file: ruleSet.files[0] ?? this.#options.target, message: `the rule tests could not run: ${(error as Error).message}` }];
    }
  }

  async #activate(ruleSet: RuleSet): Promise<void> {
    const { live, logger, metrics } = this.#options;
    const previous = live.ruleSet.version;

    await live.activateInSlices(ruleSet);
    // Before any I/O callback runs after the swap, so a /rules request cannot see the new set with old problems.
    live.clearRejection();
    metrics.ruleReloads.labels('applied').inc();
    metrics.ruleSetLoadedTime.set(ruleSet.loadedAt.getTime() / 1000);
    logger.info(
      { rules_version: ruleSet.version, previous_rules_version: previous, rule_count: ruleSet.rules.length, test_count: ruleSet.tests.length, rules_files: ruleSet.files },
      'rule set reloaded',
    );
  }

  /** Rejects a set that could not be listed, once per distinct reason. */
  #rejectOnce(fingerprint: string, version: string | null, problems: RuleProblem[]): ReloadOutcome {
    if (fingerprint === this.#lastSeen) {
      return 'unchanged';
    }
    this.#lastSeen = fingerprint;
    return this.#reject(version, problems);
  }

  /** Counts and logs a check that could not compile the files for a reason other than the files themselves. */
  #fail(version: string, error: Error): ReloadOutcome {
    const { live, logger, metrics, target } = this.#options;

    metrics.ruleReloads.labels('failed').inc();
    logger.error(
      { err: { message: error.message }, rules_path: target, changed_rules_version: version, rules_version: live.ruleSet.version },
      `checking the changed rule set ${version} failed: ${error.message}; still serving rule set ${live.ruleSet.version}, and the next check tries again`,
    );
    return 'failed';
  }

  #reject(version: string | null, problems: RuleProblem[]): ReloadOutcome {
    const { live, logger, metrics } = this.#options;

    const listed = listedProblems(problems);
    const omitted = omittedProblemsLine(problems.length);

    live.reject({ at: new Date(), version, problems: listed, problemCount: problems.length });
    metrics.ruleReloads.labels('rejected').inc();
    logger.error(
      {
        error_code: 'CTXPROC_RULES_INVALID',
        rejected_rules_version: version,
        rules_version: live.ruleSet.version,
        problem_count: problems.length,
        problems: listed.map((problem) => ({ ...problem, text: formatProblem(problem) })),
      },
      `changed rule set rejected (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}${omitted === '' ? '' : `, the first ${listed.length} listed`}); still serving rule set ${live.ruleSet.version}; fix the files and save them again`,
    );
    return 'rejected';
  }
}

function problemsOf(error: unknown): RuleProblem[] {
  if (error instanceof RuleLoadError) {
    return [...error.problems];
  }
  throw error;
}
