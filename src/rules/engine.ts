// Runs a compiled rule set over one transaction, phase by phase. Facts come
// in as an Exchange and decisions go out in the TransactionRecord. The engine
// has no gRPC dependency, because the session turns the record into ext_proc replies.
import { PHASE_NAMES, Phase } from '../model/phase.js';
import type { Exchange } from '../model/exchange.js';
import { ensureLog, type TraceEntry, type TransactionRecord } from '../model/record.js';
import { Activation } from './activation.js';
import { debugKeyValue, processDebugRegistry, type DebugRegistry } from './actions/debug-registry.js';
import { processLogLimiter, type LogLimiter } from './actions/log-limiter.js';
import type { CompiledExpression } from './cel.js';
import { evaluateForRule, recordRuleError } from './evaluate.js';
import { BodyNeedsPlan, type BodyNeeds } from './body-needs.js';
import type { ActionContext, CompiledRule, EngineServices, RuleSet } from './types.js';
import { RulePlan } from './rule-index/rule-plan.js';
import { runAtOnce } from './reload/slices.js';
import type { IndexSummary } from './rule-index/group-index.js';

export interface RuleRun {
  /**
   * Evaluates, in file order, every rule whose phase is at most phase and
   * that has not run yet, except those whose condition the rule index
   * proves false (see rule-index/): those count as run and not matched.
   * Stops at the first block, leaving the rest for finish(). Does nothing
   * once the record holds a block. A `lastPhase` later than `phase` also
   * runs the rules of the phases up to it, because the message of `phase`
   * made them known: headers that end the stream make the body empty. Their
   * actions still count as decided in `phase`.
   */
  runPhase(phase: Phase, exchange: Exchange, record: TransactionRecord, lastPhase?: Phase): void;
  /**
   * Evaluates the rules that have not run (their phase never came, or a block
   * stopped their phase) with what is known. Their log, tag and redact
   * actions apply; their header changes and blocks are listed in
   * record.skippedActions instead.
   */
  finish(exchange: Exchange, record: TransactionRecord): void;
  /** Returns which bodies the rules that have not run may still need; see body-needs.ts. */
  bodyNeeds(exchange: Exchange, record: TransactionRecord): BodyNeeds;
}

export interface EngineOptions {
  /** Every rule simulates, whatever its mode (the --dry-run setting). */
  dryRun?: boolean;
  /** Defaults to the process-wide limiter; tests pass their own. */
  logLimiter?: LogLimiter;
  /** Defaults to the process-wide registry; tests pass their own. */
  debugRegistry?: DebugRegistry;
  /** False evaluates every rule of a phase, for tests and benchmarks that compare with the rule index; default true. */
  indexed?: boolean;
}

const LAST_PHASE = Phase.ResponseTrailers;

/** Phase name in traces of rules run when the transaction ended. */
const END_PHASE = 'end';

export class RuleEngine {
  readonly ruleSet: RuleSet;
  readonly dryRun: boolean;
  readonly #services: EngineServices;
  /** Key expressions of the debug actions, one per source text. */
  readonly #debugKeys: readonly CompiledExpression[];
  readonly #plan: RulePlan;
  readonly #bodyNeeds: BodyNeedsPlan;

  constructor(ruleSet: RuleSet, options: EngineOptions = {}, plans: EnginePlans = runAtOnce(plansSteps(ruleSet, options))) {
    this.ruleSet = ruleSet;
    this.dryRun = options.dryRun ?? false;
    this.#services = { logLimiter: options.logLimiter ?? processLogLimiter, debugRegistry: options.debugRegistry ?? processDebugRegistry };
    this.#debugKeys = plans.debugKeys;
    this.#plan = plans.plan;
    this.#bodyNeeds = plans.bodyNeeds;
  }

  /**
   * Builds the engine in steps of about one rule each. Building the rule
   * index of 5,000 rules at once took 15 to 30 ms, too long for a live
   * reload, which runs these steps in slices (reload/slices.ts).
   */
  static *steps(ruleSet: RuleSet, options: EngineOptions = {}): Generator<void, RuleEngine> {
    return new RuleEngine(ruleSet, options, yield* plansSteps(ruleSet, options));
  }

  /** Starts the evaluation of one transaction. */
  start(): RuleRun {
    return new TransactionRun(this.#plan, this.#bodyNeeds, {
      services: this.#services,
      dryRun: this.dryRun,
      debugKeys: this.#debugKeys,
    });
  }

  /** Returns how many rules the index stores under a guard and how many it evaluates for every transaction. */
  indexSummary(): IndexSummary {
    return this.#plan.summary;
  }
}

interface RunSettings {
  services: EngineServices;
  dryRun: boolean;
  debugKeys: readonly CompiledExpression[];
}

class TransactionRun implements RuleRun {
  readonly #plan: RulePlan;
  readonly #bodyNeeds: BodyNeedsPlan;
  readonly #settings: RunSettings;
  /**
   * Every rule of a phase up to this one has run or was proven not to match
   * by the index; -1 before the first phase. A typed array of done flags per
   * transaction would cost an allocation that grows with the rule set.
   */
  #swept = -1;
  /**
   * Each block that stopped a sweep: the rules of phases up to `phase` with
   * an index up to `index` have run. Usually one at most, but in
   * observability mode the session drops a block and the phases go on.
   */
  #blocks: Array<{ phase: Phase; index: number }> | null = null;
  #debugChecked = false;
  /**
   * The activation of the request headers' phase, kept from runPhase until
   * bodyNeeds, which the session calls right after it, so that the probe
   * reuses its header maps instead of building them again. Kept only when
   * a rule can need a body: without protocol_config the session never
   * calls bodyNeeds, and the activation would outlive its phase.
   */
  #headersActivation: Activation | null = null;

  constructor(plan: RulePlan, bodyNeeds: BodyNeedsPlan, settings: RunSettings) {
    this.#plan = plan;
    this.#bodyNeeds = bodyNeeds;
    this.#settings = settings;
  }

  bodyNeeds(exchange: Exchange, record: TransactionRecord): BodyNeeds {
    const activation = this.#headersActivation ?? undefined;
    this.#headersActivation = null;
    return this.#bodyNeeds.needs((rule) => this.#hasRun(rule), exchange, record, activation);
  }

  runPhase(phase: Phase, exchange: Exchange, record: TransactionRecord, lastPhase: Phase = phase): void {
    // Envoy processes nothing more of a transaction after an immediate response.
    if (record.block !== null) {
      return;
    }

    const activation = new Activation(exchange, record);
    this.#headersActivation = phase === Phase.RequestHeaders && this.#bodyNeeds.probes ? activation : null;
    this.#checkDebug(activation, record);
    if (lastPhase <= this.#swept) {
      return;
    }

    const blockedAt = this.#sweep(this.#swept + 1, lastPhase, activation, record, phase);
    if (blockedAt !== null) {
      this.#blocks ??= [];
      this.#blocks.push({ phase: lastPhase, index: blockedAt });
      return;
    }
    this.#swept = lastPhase;
  }

  finish(exchange: Exchange, record: TransactionRecord): void {
    this.#headersActivation = null;
    const activation = new Activation(exchange, record);
    this.#checkDebug(activation, record);
    if (this.#swept === LAST_PHASE) {
      return;
    }

    this.#sweep(this.#swept + 1, LAST_PHASE, activation, record, null);
    this.#swept = LAST_PHASE;
  }

  /**
   * Runs, in file order, the candidate rules of phases first to last that
   * have not run. Returns the index of the rule that blocked, which ends the
   * sweep in a phase; at the end (phase null) a block is only listed, so
   * the sweep goes on.
   */
  #sweep(first: number, last: number, activation: Activation, record: TransactionRecord, phase: Phase | null): number | null {
    // A traced transaction lists every rule it evaluated, so the index stays out of it.
    let everyRule = record.trace !== null;
    let candidates = this.#plan.candidates(first, last, activation, everyRule);

    for (let position = 0; position < candidates.length; position += 1) {
      const index = candidates[position]!;
      const rule = this.#plan.rules[index]!;
      if (this.#hasRun(rule)) {
        continue;
      }
      this.#run(rule, activation, record, phase);
      if (phase !== null && record.block !== null) {
        return index;
      }

      // A debug action can switch the trace on mid-phase; the rules after it are traced.
      if (!everyRule && record.trace !== null) {
        everyRule = true;
        candidates = this.#plan.candidates(first, last, activation, true);
        position = candidates.indexOf(index);
      }
    }
    return null;
  }

  #hasRun(rule: CompiledRule): boolean {
    if (rule.phase <= this.#swept) {
      return true;
    }
    return this.#blocks !== null && this.#blocks.some((block) => rule.phase <= block.phase && rule.index <= block.index);
  }

  #run(rule: CompiledRule, activation: Activation, record: TransactionRecord, phase: Phase | null): void {
    const context: ActionContext = { rule: rule.id, activation, record, services: this.#settings.services };
    const simulate = this.#settings.dryRun || rule.mode === 'simulate';

    // Timing costs two clock reads per rule, so it runs only for rule sets
    // with a debug action, the only ones that can switch the trace on.
    if (this.#settings.debugKeys.length === 0) {
      runRule(rule, context, phase, simulate);
      return;
    }

    const started = process.hrtime.bigint();
    const errorsBefore = record.ruleErrors.length;
    const matched = runRule(rule, context, phase, simulate);
    const micros = Number((process.hrtime.bigint() - started) / 1000n);
    let result: TraceEntry['result'] = 'not_matched';
    if (matched) {
      result = 'matched';
    } else if (record.ruleErrors.length > errorsBefore) {
      result = 'error';
    }
    record.trace?.push({ rule: rule.id, phase: phase === null ? END_PHASE : PHASE_NAMES[phase], result, micros });
  }

  /** Switches the trace on once per transaction when a debug key's value is registered. */
  #checkDebug(activation: Activation, record: TransactionRecord): void {
    if (this.#debugChecked || this.#settings.debugKeys.length === 0 || record.trace !== null) {
      return;
    }
    this.#debugChecked = true;

    for (const key of this.#settings.debugKeys) {
      const value = debugKeyValue(key, activation);
      if (value !== null && this.#settings.services.debugRegistry.isEnabled(key.source, value)) {
        record.trace = [];
        // The trace travels in the event, so a traced transaction is logged.
        ensureLog(record);
        return;
      }
    }
  }
}

/** Plans an engine derives from its rules once, before any transaction. */
interface EnginePlans {
  debugKeys: CompiledExpression[];
  plan: RulePlan;
  bodyNeeds: BodyNeedsPlan;
}

function* plansSteps(ruleSet: RuleSet, options: EngineOptions): Generator<void, EnginePlans> {
  const debugKeys = debugKeysOf(ruleSet.rules);
  yield;
  const plan = yield* RulePlan.steps(ruleSet.rules, options.indexed ?? true);
  const bodyNeeds = yield* BodyNeedsPlan.steps(ruleSet.rules);
  return { debugKeys, plan, bodyNeeds };
}

function debugKeysOf(rules: readonly CompiledRule[]): CompiledExpression[] {
  const keys = new Map<string, CompiledExpression>();
  for (const rule of rules) {
    for (const action of rule.actions) {
      if (action.debugKey !== undefined && !keys.has(action.debugKey.source)) {
        keys.set(action.debugKey.source, action.debugKey);
      }
    }
  }
  return [...keys.values()];
}

/** Evaluates one rule and applies its actions; phase is null at the end of the transaction. Returns true when it matched. */
function runRule(rule: CompiledRule, context: ActionContext, phase: Phase | null, simulate: boolean): boolean {
  if (!conditionHolds(rule, context)) {
    return false;
  }
  context.record.matched.push(rule.id);

  for (const action of rule.actions) {
    const effect = action.effect;
    if (effect !== null && simulate) {
      context.record.simulated.push({ rule: rule.id, action: action.name, detail: action.summary ?? action.name });
      // A simulated block is what a user tunes before enforcing, so it always
      // writes an event. Simulated header and metadata changes are listed only
      // when something else logs: under --dry-run, the default rule that adds
      // x-request-id would otherwise log nearly every request.
      if (action.name === 'block') {
        ensureLog(context.record);
      }
      continue;
    }
    if (effect !== null && (phase === null || phase > effect.deadline)) {
      const reason = phase === null
        ? `the rule ran only when the transaction ended (its ${PHASE_NAMES[rule.phase]} phase never came, or a block ended processing), so ${effect.description} could not be sent`
        : `the rule ran in the ${PHASE_NAMES[phase]} phase, after the last phase for ${effect.description} (${PHASE_NAMES[effect.deadline]})`;
      context.record.skippedActions.push({ rule: rule.id, action: action.name, reason });
      continue;
    }
    action.apply(context);
  }
  return true;
}

function conditionHolds(rule: CompiledRule, context: ActionContext): boolean {
  if (rule.condition === null) {
    return true;
  }

  const result = evaluateForRule(rule.condition, context, 'when');
  if (!result.ok) {
    return false;
  }
  if (typeof result.value !== 'boolean') {
    recordRuleError(context, `when: the condition returned ${typeof result.value}, not a bool; counted as no match`);
    return false;
  }
  return result.value;
}
