// A small seeded generator (mulberry32), so that every fuzz case can be
// replayed from its 32-bit seed alone.

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns the next 32-bit unsigned value. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Returns an integer in [0, bound). */
  below(bound: number): number {
    return bound <= 1 ? 0 : this.next() % bound;
  }

  chance(probability: number): boolean {
    return this.next() / 0x100000000 < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** Returns a length in [0, max] that is usually small: each power of two up to max is equally likely. */
  length(max: number): number {
    const bits = Math.floor(Math.log2(max + 1));
    const ceiling = Math.min(max, 2 ** this.below(bits + 1));
    return this.below(ceiling + 1);
  }

  bytes(count: number): Buffer {
    const buffer = Buffer.allocUnsafe(count);
    for (let i = 0; i < count; i += 1) {
      buffer[i] = this.next() & 0xff;
    }
    return buffer;
  }
}

/** Derives the seed of case `index` of a run, so each case replays on its own. */
export function caseSeed(runSeed: number, index: number): number {
  return new Random((runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0).next();
}
