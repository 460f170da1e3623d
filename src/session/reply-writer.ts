// Sends the replies of one call and applies HTTP/2 flow control end to end.
// A client that sends messages but does not read replies leaves them waiting
// for its HTTP/2 window. The writer counts the reply bytes and writes whose
// write callback has not fired, which the transports run once the bytes left
// for the socket. Past a small bound it stops reading the call's messages.
// The client's further messages then wait in its own HTTP/2 send window,
// instead of ctxproc reading every message and keeping every reply.
import type { Gauge } from 'prom-client';
import { MESSAGE_PREFIX_BYTES } from '../transport/grpc-status.js';
import type { ProcessCall } from '../transport/process-call.js';
import type { ConnectionKey, ReplyBudget } from './reply-budget.js';

/**
 * Unsent reply bytes of one stream past which it pauses. It resumes at half.
 * 64 KiB is Node 24's default writableHighWaterMark, where the transports'
 * write() used to be the only signal.
 */
export const MAX_UNSENT_BYTES_PER_STREAM = 64 * 1024;

/**
 * Unsent writes of one stream past which it pauses. It resumes at half. A
 * queued write keeps more memory than its bytes: Node's write request, and
 * a reply framed in Node's shared 8 KiB Buffer pool keeps the whole pool
 * alive (9,400 queued 7-byte replies kept about 10 MB). With 1,000 paused
 * streams, 64 kept 54 MB of heap where 256 kept 117 MB. Envoy waits for
 * each reply before it sends the next message in most modes, so healthy
 * streams have one write in flight.
 */
export const MAX_UNSENT_WRITES_PER_STREAM = 64;

export class ReplyWriter {
  private paused = false;

  /** write() returned false and the transport's 'drain' has not come yet. */
  private awaitingDrain = false;

  private unsentBytes = 0;

  private unsentWrites = 0;

  private released = false;

  private readonly drained = (): void => {
    this.awaitingDrain = false;
    this.resumeIfDrained();
  };

  /** `pausedGauge` counts the calls paused now across all streams; `budget` sums the unsent bytes of all streams and of each connection. */
  constructor(private readonly call: ProcessCall, private readonly pausedGauge: Gauge, private readonly budget: ReplyBudget, private readonly connection: ConnectionKey) {}

  /** Writes one reply, and pauses the call while too many replies are unsent. */
  send(bytes: Buffer): void {
    if (this.released) {
      this.call.write(bytes);
      return;
    }
    // The bytes of the gRPC message on the wire, which both transports frame with a 5-byte prefix.
    const length = bytes.length + MESSAGE_PREFIX_BYTES;
    this.unsentBytes += length;
    this.unsentWrites += 1;
    this.budget.add(this.connection, length);

    const accepted = this.call.write(bytes, () => this.sent(length));
    if (!accepted && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.call.once('drain', this.drained);
    }
    if (!this.paused && (this.awaitingDrain || this.overBound())) {
      this.paused = true;
      this.pausedGauge.inc();
      this.call.pause();
    }
  }

  /**
   * Releases the call (see release) once its stream has closed, or at once
   * when the transport does not report the close. Until the client reads
   * them or the stream closes, Node keeps the replies, so they stay counted.
   * NOTE: grpc-js does not report the close, so there an ended call stops
   * counting its unread replies at once.
   */
  releaseWhenClosed(): void {
    if (this.call.onClose === undefined) {
      this.release();
      return;
    }
    this.call.onClose(() => this.release());
  }

  /**
   * Stops counting the call as paused and returns its unsent bytes to the
   * budget. A transport may never call back for writes on a cancelled call,
   * so the bytes still counted then are returned here.
   */
  release(): void {
    if (this.released) {
      return;
    }
    this.released = true;
    this.budget.release(this.connection, this.unsentBytes);
    if (this.paused) {
      this.paused = false;
      this.pausedGauge.dec();
    }
  }

  private sent(length: number): void {
    if (this.released) {
      return;
    }
    this.unsentBytes -= length;
    this.unsentWrites -= 1;
    this.budget.release(this.connection, length);
    this.resumeIfDrained();
  }

  private overBound(): boolean {
    return this.unsentBytes > MAX_UNSENT_BYTES_PER_STREAM || this.unsentWrites > MAX_UNSENT_WRITES_PER_STREAM || this.budget.exhaustedFor(this.connection);
  }

  /**
   * Resumes at half the bounds, so a slow client does not pause and resume
   * the call on every reply. While its connection has spent its share of the budget, a
   * call resumes only once all its replies have left.
   */
  private resumeIfDrained(): void {
    if (!this.paused || this.awaitingDrain) {
      return;
    }
    const drained = this.budget.exhaustedFor(this.connection)
      ? this.unsentWrites === 0
      : this.unsentBytes <= MAX_UNSENT_BYTES_PER_STREAM / 2 && this.unsentWrites <= MAX_UNSENT_WRITES_PER_STREAM / 2;
    if (!drained) {
      return;
    }
    this.paused = false;
    this.pausedGauge.dec();
    this.call.resume();
  }
}
