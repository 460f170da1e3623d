// Sends the replies of one call and applies HTTP/2 flow control end to end.
// A client that sends messages but does not read replies fills the stream's
// write buffer, and the transport's write() then returns false. The call
// stops reading messages until the buffered replies drain, so the client's
// further messages wait in its own HTTP/2 send window instead of ctxproc
// reading every message and buffering every reply.
import type { Gauge } from 'prom-client';
import type { ProcessCall } from '../transport/process-call.js';

export class ReplyWriter {
  private paused = false;

  private readonly resume = (): void => {
    if (!this.paused) {
      return;
    }
    this.release();
    this.call.resume();
  };

  /** `pausedGauge` counts the calls paused now across all streams. */
  constructor(private readonly call: ProcessCall, private readonly pausedGauge: Gauge) {}

  /** Writes one reply, and pauses the call until 'drain' when the write buffer is full. */
  send(bytes: Buffer): void {
    if (this.call.write(bytes) || this.paused) {
      return;
    }
    this.paused = true;
    this.pausedGauge.inc();
    this.call.pause();
    this.call.once('drain', this.resume);
  }

  /** Stops counting the call as paused. The stream handler calls it when the stream ends. */
  release(): void {
    if (this.paused) {
      this.paused = false;
      this.pausedGauge.dec();
    }
  }
}
