// The index of the rules of one phase. Each rule is stored under one of its
// guards, the one shared by the fewest other rules, so that a lookup returns
// few candidates; rules without a usable guard are candidates for every
// transaction. Only candidates have their condition evaluated: every other
// rule's condition is false, with no rule error, by the guard's contract.
import type { Activation } from '../activation.js';
import type { CompiledRule } from '../types.js';
import { subjectKey, type Guard } from './guards.js';
import { appendAll } from './prefix-trie.js';
import { SubjectIndex, subjectReader } from './subject-index.js';
import { runAtOnce } from '../reload/slices.js';

/** How many rules the index stores under a guard, and how many it evaluates for every transaction. */
export interface IndexSummary {
  indexed: number;
  unindexed: number;
}

/** Contents of a built group index; see RuleGroupIndex.steps. */
interface GroupParts {
  always: number[];
  subjects: SubjectIndex[];
}

export class RuleGroupIndex {
  /** Rule indices, ascending, evaluated for every transaction. */
  readonly always: readonly number[];
  readonly #subjects: readonly SubjectIndex[];
  /** Number of rules in the group. */
  readonly size: number;
  readonly summary: IndexSummary;

  constructor(rules: readonly CompiledRule[], parts: GroupParts = runAtOnce(groupPartsSteps(rules))) {
    this.always = parts.always;
    this.size = rules.length;
    this.#subjects = parts.subjects;
    this.summary = { indexed: rules.length - parts.always.length, unindexed: parts.always.length };
  }

  /** Builds the index in steps of one rule each, so that a live reload can run them in slices (reload/slices.ts). */
  static *steps(rules: readonly CompiledRule[]): Generator<void, RuleGroupIndex> {
    return new RuleGroupIndex(rules, yield* groupPartsSteps(rules));
  }

  /** True when every rule of the group is evaluated for every transaction. */
  get alwaysOnly(): boolean {
    return this.#subjects.length === 0;
  }

  /** Appends to out, in no order and possibly twice, every rule whose condition may hold in activation. */
  collect(activation: Activation, out: number[]): void {
    appendAll(this.always, out);
    for (const subject of this.#subjects) {
      subject.collect(activation, out);
    }
  }
}

function* groupPartsSteps(rules: readonly CompiledRule[]): Generator<void, GroupParts> {
  const counts = yield* bucketCountsSteps(rules);
  const subjects = new Map<string, SubjectIndex>();
  const always: number[] = [];

  for (const rule of rules) {
    yield;
    const guard = chosenGuard(usableGuards(rule), counts);
    if (guard === null) {
      always.push(rule.index);
      continue;
    }
    const key = subjectKey(guard.subject);
    let subject = subjects.get(key);
    if (subject === undefined) {
      subject = new SubjectIndex(subjectReader(guard.subject)!);
      subjects.set(key, subject);
    }
    addRule(subject, rule, guard);
  }
  return { always, subjects: [...subjects.values()] };
}

function addRule(subject: SubjectIndex, rule: CompiledRule, guard: Guard): void {
  if (guard.kind === 'presence') {
    subject.addPresenceGuard(rule.index);
    return;
  }

  const key = subjectKey(guard.subject);
  const presenceRequired = usableGuards(rule).some((other) => other.kind === 'presence' && subjectKey(other.subject) === key);
  subject.addValueGuard(rule.index, guard.equals, guard.prefixes, presenceRequired);
}

/** Guards of compiled conditions whose subject ctxproc can read; the cel-js interpreter's conditions are not indexed. */
function usableGuards(rule: CompiledRule): readonly Guard[] {
  const condition = rule.condition;
  if (condition === null || !condition.compiled) {
    return [];
  }
  return condition.guards.filter((guard) => subjectReader(guard.subject) !== null);
}

/** Names each literal a guard stores rules under, such as `request.method == "GET"`. */
function bucketsOf(guard: Guard): string[] {
  const key = subjectKey(guard.subject);
  if (guard.kind === 'presence') {
    return [`${key} present`];
  }
  return [...guard.equals.map((value) => `${key} == ${JSON.stringify(value)}`), ...guard.prefixes.map((prefix) => `${key} starts ${JSON.stringify(prefix)}`)];
}

/** Counts, for each bucket, the rules that have a guard stored in it. */
function* bucketCountsSteps(rules: readonly CompiledRule[]): Generator<void, Map<string, number>> {
  const counts = new Map<string, number>();
  for (const rule of rules) {
    yield;
    const buckets = new Set(usableGuards(rule).flatMap(bucketsOf));
    for (const bucket of buckets) {
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Picks the guard whose buckets hold the fewest rules in all, so that a
 * shared literal such as `request.method == 'DELETE'` loses to a path
 * prefix of its own. A value guard wins a tie over a presence guard,
 * because a presence guard passes for every transaction that carries the entry.
 */
function chosenGuard(guards: readonly Guard[], counts: ReadonlyMap<string, number>): Guard | null {
  let best: Guard | null = null;
  let bestCost = Infinity;
  for (const guard of guards) {
    const cost = bucketsOf(guard).reduce((sum, bucket) => sum + (counts.get(bucket) ?? 0), 0);
    const better = cost < bestCost || (cost === bestCost && best?.kind === 'presence' && guard.kind === 'value');
    if (better) {
      best = guard;
      bestCost = cost;
    }
  }
  return best;
}
