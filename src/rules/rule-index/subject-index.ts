// The rules whose chosen guard reads one subject, stored by the literals
// they test, and the lookup that returns those whose guard may hold for a
// transaction.
import type { Activation } from '../activation.js';
import { ATTRIBUTE_READERS } from '../compiler/attribute-readers.js';
import type { Subject } from './guards.js';
import { appendAll, PrefixTrie } from './prefix-trie.js';

/**
 * Reads a subject as the compiled condition reads it: a string, null when
 * its map exists without the entry, or undefined when the value is not a
 * string or not known yet.
 */
type SubjectReader = (activation: Activation) => string | null | undefined;

/** Returns a reader for subject, or null when ctxproc has no reader for its attribute. */
export function subjectReader(subject: Subject): SubjectReader | null {
  if (!Object.hasOwn(ATTRIBUTE_READERS, subject.attribute)) {
    return null;
  }
  const read = ATTRIBUTE_READERS[subject.attribute]!;

  const entry = subject.entry;
  if (entry === null) {
    return (activation) => {
      const value = read(activation);
      return typeof value === 'string' ? value : undefined;
    };
  }
  return (activation) => {
    const map = read(activation);
    if (!(map instanceof Map)) {
      return undefined;
    }
    const value: unknown = map.get(entry);
    if (value === undefined) {
      return null;
    }
    return typeof value === 'string' ? value : undefined;
  };
}

export class SubjectIndex {
  readonly #read: SubjectReader;
  readonly #equals = new Map<string, number[]>();
  readonly #prefixes = new PrefixTrie();
  /** Rules with only a presence guard on the subject. */
  readonly #whenPresent: number[] = [];
  /** Rules whose value guard has no presence guard beside it: without the entry their condition is an error, which must be recorded, so they run. */
  readonly #whenAbsent: number[] = [];
  /** Every rule of this subject, all candidates when its value cannot be read. */
  readonly #all: number[] = [];

  constructor(read: SubjectReader) {
    this.#read = read;
  }

  /** Adds a rule by its value guard; presenceRequired when the condition also tests that the entry exists. */
  addValueGuard(rule: number, equals: readonly string[], prefixes: readonly string[], presenceRequired: boolean): void {
    for (const value of equals) {
      const rules = this.#equals.get(value);
      if (rules === undefined) {
        this.#equals.set(value, [rule]);
      } else {
        rules.push(rule);
      }
    }
    for (const prefix of prefixes) {
      this.#prefixes.add(prefix, rule);
    }

    if (!presenceRequired) {
      this.#whenAbsent.push(rule);
    }
    this.#all.push(rule);
  }

  addPresenceGuard(rule: number): void {
    this.#whenPresent.push(rule);
    this.#all.push(rule);
  }

  /** Appends to out the rules whose guard may hold in activation; a rule may be appended twice. */
  collect(activation: Activation, out: number[]): void {
    const value = this.#read(activation);
    if (value === undefined) {
      appendAll(this.#all, out);
      return;
    }
    if (value === null) {
      appendAll(this.#whenAbsent, out);
      return;
    }

    const equal = this.#equals.get(value);
    if (equal !== undefined) {
      appendAll(equal, out);
    }
    if (this.#prefixes.size > 0) {
      this.#prefixes.collect(value, out);
    }
    appendAll(this.#whenPresent, out);
  }
}
