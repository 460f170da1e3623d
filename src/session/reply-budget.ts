// Reply bytes that ctxproc handed to the transport and that have not yet
// left for the client, summed over all streams of the process. A client that
// reads no replies leaves them waiting for its HTTP/2 window, where they cost
// memory. Each stream pauses at its own bound (reply-writer.ts), and this
// budget bounds the sum. Past --max-unsent-reply-bytes, new streams are
// rejected and streams with unsent replies are not read.
// NOTE: the budget is shared by all clients, so one client that reads
// nothing can exhaust it and have every new stream, Envoy's too, rejected.
export class ReplyBudget {
  private unsent = 0;

  constructor(readonly limitBytes: number) {}

  get unsentBytes(): number {
    return this.unsent;
  }

  /** True while the unsent bytes are over the limit. */
  exhausted(): boolean {
    return this.unsent > this.limitBytes;
  }

  add(bytes: number): void {
    this.unsent += bytes;
  }

  release(bytes: number): void {
    this.unsent -= bytes;
  }
}
