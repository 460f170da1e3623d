// Runs a compiled rule set over one transaction, phase by phase. Facts come
// in as an Exchange and decisions go out in the TransactionRecord. The engine
// has no gRPC dependency, because the session turns the record into ext_proc replies.
import { PHASE_NAMES, Phase } from '../model/phase.js';
import type { Exchange } from '../model/exchange.js';
import type { TransactionRecord } from '../model/record.js';
import { Activation } from './activation.js';
import { evaluateForRule, recordRuleError } from './evaluate.js';
import type { ActionContext, CompiledRule, RuleSet } from './types.js';

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
}

const PHASES = Object.keys(PHASE_NAMES).map(Number) as Phase[];

export class RuleEngine {
  readonly ruleSet: RuleSet;
  /** For each phase, the rules whose phase is at most that one, in file order; built once per rule set. */
  readonly #rulesUpTo: ReadonlyArray<readonly CompiledRule[]>;

  constructor(ruleSet: RuleSet) {
    this.ruleSet = ruleSet;
    this.#rulesUpTo = PHASES.map((phase) => ruleSet.rules.filter((rule) => rule.phase <= phase));
  }

  /** Starts the evaluation of one transaction. */
  start(): RuleRun {
    return new TransactionRun(this.ruleSet.rules, this.#rulesUpTo);
  }
}

class TransactionRun implements RuleRun {
  readonly #rules: readonly CompiledRule[];
  readonly #rulesUpTo: ReadonlyArray<readonly CompiledRule[]>;
  /** 1 at a rule's index once it has run; a typed array because it is made per transaction. */
  readonly #done: Uint8Array;

  constructor(rules: readonly CompiledRule[], rulesUpTo: ReadonlyArray<readonly CompiledRule[]>) {
    this.#rules = rules;
    this.#rulesUpTo = rulesUpTo;
    this.#done = new Uint8Array(rules.length);
  }

  runPhase(phase: Phase, exchange: Exchange, record: TransactionRecord): void {
    // Envoy processes nothing more of a transaction after an immediate response.
    if (record.block !== null) {
      return;
    }

    const activation = new Activation(exchange, record);
    for (const rule of this.#rulesUpTo[phase] ?? []) {
      if (this.#done[rule.index] === 1) {
        continue;
      }
      this.#done[rule.index] = 1;
      runRule(rule, { rule: rule.id, activation, record }, phase);
      if (record.block !== null) {
        return;
      }
    }
  }

  finish(exchange: Exchange, record: TransactionRecord): void {
    const activation = new Activation(exchange, record);
    for (const rule of this.#rules) {
      if (this.#done[rule.index] === 1) {
        continue;
      }
      this.#done[rule.index] = 1;
      runRule(rule, { rule: rule.id, activation, record }, null);
    }
  }
}

/** Evaluates one rule; phase is null at the end of the transaction. */
function runRule(rule: CompiledRule, context: ActionContext, phase: Phase | null): void {
  if (!conditionHolds(rule, context)) {
    return;
  }
  context.record.matched.push(rule.id);

  for (const action of rule.actions) {
    const effect = action.effect;
    if (effect !== null && (phase === null || phase > effect.deadline)) {
      const reason = phase === null
        ? `the rule ran only when the transaction ended (its ${PHASE_NAMES[rule.phase]} phase never came, or a block ended processing), so ${effect.description} could not be sent`
        : `the rule ran in the ${PHASE_NAMES[phase]} phase, after the last phase for ${effect.description} (${PHASE_NAMES[effect.deadline]})`;
      context.record.skippedActions.push({ rule: rule.id, action: action.name, reason });
      continue;
    }
    action.apply(context);
  }
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
