// Which rules a phase of a transaction evaluates, in file order. Rules are
// grouped by the phase in which everything they read is known; each group
// has its own index, so a phase looks up only the rules that wait for it.
import type { Activation } from '../activation.js';
import { Phase } from '../../model/phase.js';
import type { CompiledRule } from '../types.js';
import { RuleGroupIndex, type IndexSummary } from './group-index.js';
import { runAtOnce } from '../reload/slices.js';

const PHASE_COUNT = Phase.ResponseTrailers + 1;

export class RulePlan {
  /** All rules, in file order; a rule's index is its position here. */
  readonly rules: readonly CompiledRule[];
  readonly summary: IndexSummary;
  readonly #groups: readonly RuleGroupIndex[];
  readonly #indexed: boolean;

  /** indexed false makes every rule a candidate, as the engine worked before the index. */
  constructor(rules: readonly CompiledRule[], indexed: boolean, groups: readonly RuleGroupIndex[] = runAtOnce(groupsSteps(rules))) {
    this.rules = rules;
    this.#indexed = indexed;
    this.#groups = groups;

    const indexedRules = indexed ? groups.reduce((sum, group) => sum + group.summary.indexed, 0) : 0;
    this.summary = { indexed: indexedRules, unindexed: rules.length - indexedRules };
  }

  /** Builds the plan in steps of about one rule each, so that a live reload can run them in slices (reload/slices.ts). */
  static *steps(rules: readonly CompiledRule[], indexed: boolean): Generator<void, RulePlan> {
    return new RulePlan(rules, indexed, yield* groupsSteps(rules));
  }

  /**
   * Returns the indices, ascending and without repeats, of the rules of
   * phases from `first` to `last` whose condition may hold in activation.
   * everyRule returns all of them, for a traced transaction.
   */
  candidates(first: number, last: number, activation: Activation, everyRule: boolean): readonly number[] {
    if (everyRule || !this.#indexed) {
      return this.#everyRule(first, last);
    }

    // The common case, such as the default rules, needs no copy: one phase
    // with rules, none of them indexed, whose list is already in order.
    const only = this.#onlyGroup(first, last);
    if (only !== null && only.alwaysOnly) {
      return only.always;
    }

    const found: number[] = [];
    for (let phase = first; phase <= last; phase += 1) {
      this.#groups[phase]!.collect(activation, found);
    }
    return ascendingUnique(found);
  }

  #everyRule(first: number, last: number): number[] {
    const indices: number[] = [];
    for (const rule of this.rules) {
      if (rule.phase >= first && rule.phase <= last) {
        indices.push(rule.index);
      }
    }
    return indices;
  }

  /** Returns the one group from first to last that has rules (an empty group when none has), or null when several have. */
  #onlyGroup(first: number, last: number): RuleGroupIndex | null {
    let only: RuleGroupIndex | null = null;
    for (let phase = first; phase <= last; phase += 1) {
      const group = this.#groups[phase]!;
      if (group.size === 0) {
        continue;
      }
      if (only !== null) {
        return null;
      }
      only = group;
    }
    return only ?? EMPTY_GROUP;
  }
}

/** Group indexes, one per phase, each over the rules of that phase. */
function* groupsSteps(rules: readonly CompiledRule[]): Generator<void, RuleGroupIndex[]> {
  const groups: RuleGroupIndex[] = [];
  for (let phase = 0; phase < PHASE_COUNT; phase += 1) {
    const ofPhase = rules.filter((rule) => rule.phase === phase);
    yield;
    groups.push(yield* RuleGroupIndex.steps(ofPhase));
  }
  return groups;
}

const EMPTY_GROUP = new RuleGroupIndex([]);

/** Sorts indices in place and drops repeats. */
function ascendingUnique(indices: number[]): number[] {
  if (indices.length < 2) {
    return indices;
  }
  indices.sort(byNumber);

  let kept = 1;
  for (let position = 1; position < indices.length; position += 1) {
    if (indices[position] !== indices[kept - 1]) {
      indices[kept] = indices[position]!;
      kept += 1;
    }
  }
  indices.length = kept;
  return indices;
}

function byNumber(a: number, b: number): number {
  return a - b;
}
