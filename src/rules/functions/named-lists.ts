// Named lists that a rule file declares under `lists:`, tested with
// value.inList('name'). An entry that parses as a CIDR range also matches
// every IP address inside it, so one list can hold hosts and networks.
import { cidrContains, parseCidr } from './cidr.js';
import type { CidrRange } from './cidr.js';

export class NamedList {
  readonly #exact: ReadonlySet<string>;
  readonly #ranges: readonly CidrRange[];

  constructor(entries: readonly string[]) {
    this.#exact = new Set(entries);
    this.#ranges = entries.map(parseCidr).filter((range): range is CidrRange => typeof range !== 'string');
  }

  /** Returns true when value is an entry, or an IP address inside an entry's CIDR range. */
  has(value: string): boolean {
    if (this.#exact.has(value)) {
      return true;
    }
    return this.#ranges.some((range) => cidrContains(range, value));
  }
}

/** Named lists by name, as compileExpression receives them. */
export type NamedLists = ReadonlyMap<string, NamedList>;

/** Builds the lists of a file from its `lists:` section, which the schema has checked. */
export function namedListsOf(section: unknown): NamedLists {
  const lists = new Map<string, NamedList>();
  if (section === null || typeof section !== 'object') {
    return lists;
  }
  for (const [name, entries] of Object.entries(section as Record<string, unknown>)) {
    if (Array.isArray(entries)) {
      lists.set(name, new NamedList(entries.filter((entry): entry is string => typeof entry === 'string')));
    }
  }
  return lists;
}
