// ext_proc streams open at once, in total and per client connection.
// HTTP/2's per-connection stream limit does not bound how many connections a
// client opens, and a stream that sends nothing keeps its transaction until
// the idle timeout, so the total bounds the memory that open transactions hold.
//
// At --max-open-streams, only the connections that have the most streams
// (as many as any other connection) get no new streams. A client that opens
// streams and reads nothing therefore cannot have Envoy's streams rejected
// while each of Envoy's connections has fewer than that client's. New
// streams of the other connections are accepted up to twice the limit, the
// hard bound, past which every new stream is rejected.
import type { ConnectionKey } from './reply-budget.js';

/** How many times --max-open-streams the total may reach while connections holding fewer than the most are served. */
export const HARD_LIMIT_FACTOR = 2;

/** Bound that rejected a stream: its connection has the most streams past the limit, or the total is at the hard bound. */
export type StreamRejection = 'largest_connection' | 'hard_limit';

export class OpenStreams {
  private open = 0;

  private readonly byConnection = new Map<ConnectionKey, number>();

  /** Connections holding each stream count, so the largest count is known without a scan of all connections. */
  private readonly connectionsHolding = new Map<number, number>();

  private largest = 0;

  readonly hardLimit: number;

  constructor(readonly limit: number) {
    this.hardLimit = limit * HARD_LIMIT_FACTOR;
  }

  get count(): number {
    return this.open;
  }

  /** Returns the streams open now on one connection. */
  countOf(connection: ConnectionKey): number {
    return this.byConnection.get(connection) ?? 0;
  }

  /** Returns why a new stream of `connection` must be rejected, or null when it may open. */
  rejectionFor(connection: ConnectionKey): StreamRejection | null {
    if (this.open < this.limit) {
      return null;
    }
    if (this.open >= this.hardLimit) {
      return 'hard_limit';
    }
    return this.countOf(connection) >= this.largest ? 'largest_connection' : null;
  }

  add(connection: ConnectionKey): void {
    const before = this.countOf(connection);

    this.open += 1;
    this.byConnection.set(connection, before + 1);
    this.moveConnection(before, before + 1);
    if (before + 1 > this.largest) {
      this.largest = before + 1;
    }
  }

  remove(connection: ConnectionKey): void {
    const before = this.countOf(connection);
    if (before === 0) {
      return;
    }

    this.open -= 1;
    if (before === 1) {
      this.byConnection.delete(connection);
    } else {
      this.byConnection.set(connection, before - 1);
    }
    this.moveConnection(before, before - 1);
    // Counts change by one, so when the last connection holding the largest
    // count loses a stream, the largest count is one less.
    if (before === this.largest && !this.connectionsHolding.has(before)) {
      this.largest = before - 1;
    }
  }

  private moveConnection(from: number, to: number): void {
    const holdingFrom = (this.connectionsHolding.get(from) ?? 0) - 1;
    if (holdingFrom > 0) {
      this.connectionsHolding.set(from, holdingFrom);
    } else {
      this.connectionsHolding.delete(from);
    }
    if (to > 0) {
      this.connectionsHolding.set(to, (this.connectionsHolding.get(to) ?? 0) + 1);
    }
  }
}
