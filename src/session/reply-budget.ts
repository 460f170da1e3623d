// Reply bytes that ctxproc handed to the transport and that have not yet
// left for the client, summed over all streams of the process and per
// client connection. A client that reads no replies leaves them waiting for
// its HTTP/2 window, where they cost memory. Each stream pauses at its own
// bound (reply-writer.ts), and this budget bounds the sum. Past
// --max-unsent-reply-bytes, only connections that hold at least an equal
// share of the unsent bytes are refused new streams and stop being read, so
// a client that reads nothing cannot have Envoy's streams rejected. Past
// twice the limit, every connection that holds more than one stream's bound
// is refused too. That bounds the sum when many connections share it out
// evenly, while a connection that reads its replies, as Envoy does, holds
// less and is still served.

/** The key of one client connection: the HTTP/2 session, or grpc-js's peer address. */
export type ConnectionKey = object | string;

/** How many times the limit the sum may reach while connections under their share are still served. */
const HARD_LIMIT_FACTOR = 2;

/**
 * Unsent bytes a connection may hold and still be served past the hard
 * limit: one stream's bound in reply-writer.ts (64 KiB). Past the hard
 * limit, the sum grows by at most about that much per connection.
 */
const SERVED_PAST_HARD_LIMIT_BYTES = 64 * 1024;

export class ReplyBudget {
  private unsent = 0;

  private readonly byConnection = new Map<ConnectionKey, number>();

  constructor(readonly limitBytes: number) {}

  get unsentBytes(): number {
    return this.unsent;
  }

  /** Unsent bytes of the streams of one connection. */
  heldBy(connection: ConnectionKey): number {
    return this.byConnection.get(connection) ?? 0;
  }

  /**
   * True while the sum is over the limit and `connection` holds at least an
   * equal share of it (the sum divided by the connections that hold any),
   * or while the sum is over twice the limit and `connection` holds more
   * than one stream's bound.
   */
  exhaustedFor(connection: ConnectionKey): boolean {
    if (this.unsent <= this.limitBytes) {
      return false;
    }
    const held = this.heldBy(connection);
    if (this.unsent > this.limitBytes * HARD_LIMIT_FACTOR && held > SERVED_PAST_HARD_LIMIT_BYTES) {
      return true;
    }
    return held * this.byConnection.size >= this.unsent;
  }

  add(connection: ConnectionKey, bytes: number): void {
    this.unsent += bytes;
    this.byConnection.set(connection, this.heldBy(connection) + bytes);
  }

  release(connection: ConnectionKey, bytes: number): void {
    this.unsent -= bytes;
    const remaining = this.heldBy(connection) - bytes;
    if (remaining > 0) {
      this.byConnection.set(connection, remaining);
    } else {
      this.byConnection.delete(connection);
    }
  }
}
