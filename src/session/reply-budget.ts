// Reply bytes that ctxproc handed to the transport and that have not yet
// left for the client, summed over all streams and per client connection.
// A client that reads no replies leaves them waiting for its HTTP/2 window,
// where they cost memory. Each stream pauses at its own bound
// (reply-writer.ts), and this budget bounds the sum.
//
// Past --max-unsent-reply-bytes, a connection with at least an equal share
// of the unsent bytes gets no new streams and its streams are not read, so a
// client that reads nothing cannot have Envoy's streams rejected. Past twice
// the limit, a connection with more than one stream's bound is rejected too.
// That bounds the sum when many connections share it evenly, while Envoy,
// which reads its replies, keeps less and is still served.

/** The key of one client connection: the HTTP/2 session, or grpc-js's peer address. */
export type ConnectionKey = object | string;

/** How many times the limit the sum may reach while connections under their share are still served. */
const HARD_LIMIT_FACTOR = 2;

/**
 * Maximum unsent bytes of a connection that is still served past the hard
 * limit: one stream's bound in reply-writer.ts (64 KiB). Past the hard limit,
 * the sum therefore grows by at most about that much per connection.
 */
const SERVED_PAST_HARD_LIMIT_BYTES = 64 * 1024;

export class ReplyBudget {
  private unsent = 0;

  private readonly byConnection = new Map<ConnectionKey, number>();

  constructor(readonly limitBytes: number) {}

  get unsentBytes(): number {
    return this.unsent;
  }

  /** Returns the unsent bytes of the streams of one connection. */
  unsentBytesOf(connection: ConnectionKey): number {
    return this.byConnection.get(connection) ?? 0;
  }

  /**
   * Returns true while the sum is over the limit and `connection` has at
   * least an equal share of it (the sum divided by the connections with any
   * unsent bytes). Past twice the limit, also when it has more than one
   * stream's bound.
   */
  exhaustedFor(connection: ConnectionKey): boolean {
    if (this.unsent <= this.limitBytes) {
      return false;
    }
    const unsentOfConnection = this.unsentBytesOf(connection);
    if (this.unsent > this.limitBytes * HARD_LIMIT_FACTOR && unsentOfConnection > SERVED_PAST_HARD_LIMIT_BYTES) {
      return true;
    }
    return unsentOfConnection * this.byConnection.size >= this.unsent;
  }

  add(connection: ConnectionKey, bytes: number): void {
    this.unsent += bytes;
    this.byConnection.set(connection, this.unsentBytesOf(connection) + bytes);
  }

  release(connection: ConnectionKey, bytes: number): void {
    this.unsent -= bytes;
    const remaining = this.unsentBytesOf(connection) - bytes;
    if (remaining > 0) {
      this.byConnection.set(connection, remaining);
    } else {
      this.byConnection.delete(connection);
    }
  }
}
