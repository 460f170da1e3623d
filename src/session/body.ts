// Accumulates a request or response body up to the body limit. Bytes beyond
// the limit are counted but not kept, and the capture is marked truncated.
import type { BodyCapture } from '../model/exchange.js';

export class BodyAccumulator {
  private readonly chunks: Buffer[] = [];

  private kept = 0;

  private size = 0;

  private complete = false;

  constructor(private readonly limitBytes: number) {}

  /** Adds one chunk; returns true when this chunk crossed the limit. */
  append(chunk: Uint8Array | undefined, endOfStream: boolean): boolean {
    const wasTruncated = this.size > this.kept;
    const length = chunk?.length ?? 0;
    this.size += length;
    this.complete = this.complete || endOfStream;

    const room = this.limitBytes - this.kept;
    if (chunk && length > 0 && room > 0) {
      // A copy, not a view: a view would keep the whole decoded message (up
      // to --max-message-bytes) alive for as long as the stream stays open.
      const part = Buffer.copyBytesFrom(chunk, 0, Math.min(room, length));
      this.chunks.push(part);
      this.kept += part.length;
    }
    return !wasTruncated && this.size > this.kept;
  }

  /** Returns the body as the rules and events see it. */
  capture(): BodyCapture {
    const bytes = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
    return { bytes, size: this.size, truncated: this.size > this.kept, complete: this.complete };
  }
}
