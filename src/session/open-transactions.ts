// The transactions of the streams open now, kept so that shutdown can write
// their events. They sit in array slots, not in a Set. A Set that takes an
// add and a delete per transaction rebuilds its table now and then, and a
// dropped table in the old generation still points at transactions, which
// young collections then keep and promote.
import type { Transaction } from './transaction.js';

export class OpenTransactions {
  readonly #slots: (Transaction | undefined)[] = [];

  readonly #free: number[] = [];

  #size = 0;

  /** Number of takeAll() calls, so that a removal after one leaves the new slots alone. */
  #generation = 0;

  /** Transactions open now. */
  get size(): number {
    return this.#size;
  }

  /** Adds `transaction` and returns the function that removes it; a second call of that function does nothing. */
  add(transaction: Transaction): () => void {
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = transaction;
    this.#size += 1;

    const generation = this.#generation;
    let removed = false;
    return () => {
      if (removed || generation !== this.#generation) {
        return;
      }
      removed = true;
      this.#slots[slot] = undefined;
      this.#free.push(slot);
      this.#size -= 1;
    };
  }

  /** Returns the open transactions, in no particular order, and keeps them. */
  list(): Transaction[] {
    return this.#slots.filter((transaction): transaction is Transaction => transaction !== undefined);
  }

  /** Removes every open transaction and returns them, in no particular order. */
  takeAll(): Transaction[] {
    const open = this.list();
    this.#slots.length = 0;
    this.#free.length = 0;
    this.#size = 0;
    this.#generation += 1;
    return open;
  }
}
