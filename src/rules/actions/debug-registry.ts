// The keys for which the debug action switched tracing on: a key expression
// (such as source.address) and its value, until an expiry time. One registry
// serves the whole process, so a rule that matched on one transaction turns
// tracing on for the later transactions of the same client, route or header
// value, across rule reloads.

import type { Activation } from '../activation.js';
import type { CompiledExpression } from '../cel.js';

/** Entries kept at most; the oldest is dropped first, so a flood of distinct keys cannot grow memory. */
export const MAX_DEBUG_ENTRIES = 1024;

export class DebugRegistry {
  /** Expiry time in milliseconds since the epoch, by `<expression>\u0000<value>`; insertion order is age. */
  readonly #expiries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(maxEntries = MAX_DEBUG_ENTRIES, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** Turns tracing on for value of expression for durationMs; a later call extends or shortens it. */
  enable(expression: string, value: string, durationMs: number): void {
    const key = `${expression}\u0000${value}`;
    this.#expiries.delete(key);
    while (this.#expiries.size >= this.#maxEntries) {
      const oldest = this.#expiries.keys().next().value as string;
      this.#expiries.delete(oldest);
    }
    this.#expiries.set(key, this.#now() + durationMs);
  }

  /** Returns true while tracing is on for value of expression; deletes the entry once it has expired. */
  isEnabled(expression: string, value: string): boolean {
    const key = `${expression}\u0000${value}`;
    const expiry = this.#expiries.get(key);
    if (expiry === undefined) {
      return false;
    }
    if (expiry <= this.#now()) {
      this.#expiries.delete(key);
      return false;
    }
    return true;
  }

  get size(): number {
    return this.#expiries.size;
  }

  clear(): void {
    this.#expiries.clear();
  }
}

/** The registry of the running process. */
export const processDebugRegistry = new DebugRegistry();

/** Returns the key's value as a string, or null when it cannot be evaluated yet. */
export function debugKeyValue(key: CompiledExpression, activation: Activation): string | null {
  try {
    const value = key.evaluate(activation);
    return typeof value === 'string' || typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  } catch {
    // A key over an attribute not known yet, such as a missing header, is
    // simply not registered: it is no rule error.
    return null;
  }
}
