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
import { bodyNeeds, type BodyNeeds } from './body-needs.js';
import type { ActionContext, CompiledRule, EngineServices, RuleSet } from './types.js';

export interface RuleRun {
  /**
   * Evaluates, in file order, every rule whose phase is at most phase and
   * that has not run yet. Stops at the first block, leaving the rest for
   * finish(). Does nothing once the record holds a block.
   */
  runPhase(phase: Phase, exchange: Exchange, record: TransactionRecord): void;
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
}

const PHASES = Object.keys(PHASE_NAMES).map(Number) as Phase[];

/** Phase name in traces of rules run when the transaction ended. */
const END_PHASE = 'end';

export class RuleEngine {
  readonly ruleSet: RuleSet;
  readonly dryRun: boolean;
  /** For each phase, the rules whose phase is at most that one, in file order; built once per rule set. */
  readonly #rulesUpTo: ReadonlyArray<readonly CompiledRule[]>;
  readonly #services: EngineServices;
  /** Key expressions of the debug actions, one per source text. */
  readonly #debugKeys: readonly CompiledExpression[];

  constructor(ruleSet: RuleSet, options: EngineOptions = {}) {
    this.ruleSet = ruleSet;
    this.dryRun = options.dryRun ?? false;
    this.#rulesUpTo = PHASES.map((phase) => ruleSet.rules.filter((rule) => rule.phase <= phase));
    this.#services = { logLimiter: options.logLimiter ?? processLogLimiter, debugRegistry: options.debugRegistry ?? processDebugRegistry };
    this.#debugKeys = debugKeysOf(ruleSet.rules);
  }

  /** Starts the evaluation of one transaction. */
  start(): RuleRun {
    return new TransactionRun(this.ruleSet.rules, this.#rulesUpTo, {
      services: this.#services,
      dryRun: this.dryRun,
      debugKeys: this.#debugKeys,
    });
  }
}

interface RunSettings {
  services: EngineServices;
  dryRun: boolean;
  debugKeys: readonly CompiledExpression[];
}

class TransactionRun implements RuleRun {
  readonly #rules: readonly CompiledRule[];
  readonly #rulesUpTo: ReadonlyArray<readonly CompiledRule[]>;
  readonly #settings: RunSettings;
  /** 1 at a rule's index once it has run; a typed array because it is made per transaction. */
  readonly #done: Uint8Array;
  #debugChecked = false;

  constructor(rules: readonly CompiledRule[], rulesUpTo: ReadonlyArray<readonly CompiledRule[]>, settings: RunSettings) {
    this.#rules = rules;
    this.#rulesUpTo = rulesUpTo;
    this.#settings = settings;
    this.#done = new Uint8Array(rules.length);
  }

  bodyNeeds(exchange: Exchange, record: TransactionRecord): BodyNeeds {
    return bodyNeeds(this.#rules, (rule) => this.#done[rule.index] === 1, exchange, record);
  }

  runPhase(phase: Phase, exchange: Exchange, record: TransactionRecord): void {
    // Envoy processes nothing more of a transaction after an immediate response.
    if (record.block !== null) {
      return;
    }

    const activation = new Activation(exchange, record);
    this.#checkDebug(activation, record);
    for (const rule of this.#rulesUpTo[phase] ?? []) {
      if (this.#done[rule.index] === 1) {
        continue;
      }
      this.#done[rule.index] = 1;
      this.#run(rule, activation, record, phase);
      if (record.block !== null) {
        return;
      }
    }
  }

  finish(exchange: Exchange, record: TransactionRecord): void {
    const activation = new Activation(exchange, record);
    this.#checkDebug(activation, record);
    for (const rule of this.#rules) {
      if (this.#done[rule.index] === 1) {
        continue;
      }
      this.#done[rule.index] = 1;
      this.#run(rule, activation, record, null);
    }
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
