// Sampling and rate limiting of the log action, per rule and key, so that a
// noisy rule cannot flood the SIEM. A held-back event is counted, and the
// count goes into the next event that the same rule and key log. One limiter
// serves the whole process, across rule reloads.

/** Rule and key pairs tracked at most; the oldest is dropped first, with its count. */
export const MAX_LIMITER_KEYS = 10_000;

export interface RateLimit {
  events: number;
  perMs: number;
}

interface LimitState {
  windowStart: number;
  count: number;
  suppressed: number;
}

export type Admission = { admitted: true; suppressedBefore: number } | { admitted: false };

export class LogLimiter {
  readonly #states = new Map<string, LimitState>();
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #random: () => number;

  /** now and random are parameters so tests can fix time and sampling. */
  constructor(options: { maxKeys?: number; now?: () => number; random?: () => number } = {}) {
    this.#maxKeys = options.maxKeys ?? MAX_LIMITER_KEYS;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Decides whether rule may log for key now. Sampling comes first, then a
   * fixed window of limit.perMs that admits limit.events events. When
   * admitted, returns the count held back since the last admitted event and
   * resets it.
   */
  admit(rule: string, key: string, sample: number, limit: RateLimit | null): Admission {
    const state = this.#state(`${rule}\u0000${key}`);

    if (sample < 1 && this.#random() >= sample) {
      state.suppressed += 1;
      return { admitted: false };
    }

    if (limit !== null) {
      const now = this.#now();
      if (now - state.windowStart >= limit.perMs) {
        state.windowStart = now;
        state.count = 0;
      }
      if (state.count >= limit.events) {
        state.suppressed += 1;
        return { admitted: false };
      }
      state.count += 1;
    }

    const suppressedBefore = state.suppressed;
    state.suppressed = 0;
    return { admitted: true, suppressedBefore };
  }

  clear(): void {
    this.#states.clear();
  }

  #state(id: string): LimitState {
    let state = this.#states.get(id);
    if (state !== undefined) {
      return state;
    }

    // NOTE: an evicted key loses its held-back count, so under more than
    // MAX_LIMITER_KEYS active keys some suppressed counts are never reported.
    if (this.#states.size >= this.#maxKeys) {
      this.#states.delete(this.#states.keys().next().value as string);
    }
    state = { windowStart: -Infinity, count: 0, suppressed: 0 };
    this.#states.set(id, state);
    return state;
  }
}

/** The limiter of the running process. */
export const processLogLimiter = new LogLimiter();
