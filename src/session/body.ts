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
      const part = keptPart(chunk, Math.min(room, length));
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

/** Bodies shorter than this are copied whatever their memory, because such a copy costs little. */
const MIN_VIEW_BYTES = 4096;

/**
 * Returns the first `length` bytes of a chunk, as a view when that keeps no
 * more memory alive than a copy would, and as a copy otherwise. A view of a
 * small part of a large message would keep the whole message (up to
 * --max-message-bytes) alive for as long as the stream stays open. But a
 * copy shorter than half of Buffer.poolSize (64 KiB in Node 24) lands in a
 * shared pool slab and keeps that slab alive. So a chunk whose memory is no
 * larger than a slab is kept as a view, and so is a chunk that is mostly
 * body. The view saves a copy of every BUFFERED body.
 */
function keptPart(chunk: Uint8Array, length: number): Buffer {
  const memory = chunk.buffer.byteLength;
  const slabSized = memory <= Buffer.poolSize && length < Buffer.poolSize >>> 1;
  if (length >= MIN_VIEW_BYTES && (slabSized || memory - length <= length >>> 3)) {
    return Buffer.from(chunk.buffer, chunk.byteOffset, length);
  }
  return Buffer.copyBytesFrom(chunk, 0, length);
}
