// Accumulates a request or response body up to the body limit. Bytes beyond
// the limit are counted but not kept, and the capture is marked truncated.
import type { BodyCapture } from '../model/exchange.js';

/** First capacity of the kept bytes. It doubles as chunks arrive, up to the body limit. */
const INITIAL_CAPACITY_BYTES = 1024;

const NO_BYTES = Buffer.alloc(0);

export class BodyAccumulator {
  /**
   * The kept bytes, in one buffer of their own. A copy of each chunk in a
   * separate small Buffer is a slice of Node's shared 8 KiB Buffer pool and
   * keeps the whole pool alive. A body of 16-byte chunks kept that way held
   * about 7 KB per kept chunk, 28 MB per stream at a body limit of 64 KiB.
   */
  private bytes: Buffer = NO_BYTES;

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
      const taken = Math.min(room, length);
      if (this.kept === 0 && viewable(chunk, taken)) {
        // A later chunk grows the body into a buffer of its own (reserve).
        this.bytes = Buffer.from(chunk.buffer, chunk.byteOffset, taken);
      } else {
        this.reserve(this.kept + taken);
        this.bytes.set(taken === length ? chunk : chunk.subarray(0, taken), this.kept);
      }
      this.kept += taken;
    }
    return !wasTruncated && this.size > this.kept;
  }

  /**
   * Returns the body as the rules and events see it. The bytes are a view of
   * the kept bytes, which later chunks only extend, so the view stays valid
   * and a capture per chunk copies nothing.
   */
  capture(): BodyCapture {
    return { bytes: this.bytes.subarray(0, this.kept), size: this.size, truncated: this.size > this.kept, complete: this.complete };
  }

  /** Lets go of the kept bytes; size and completeness stay as they were. */
  discard(): void {
    this.bytes = NO_BYTES;
    this.kept = 0;
  }

  /** Grows the buffer to hold `needed` bytes, doubling it but never past the body limit. */
  private reserve(needed: number): void {
    if (needed <= this.bytes.length) {
      return;
    }
    let capacity = Math.max(this.bytes.length * 2, INITIAL_CAPACITY_BYTES);
    while (capacity < needed) {
      capacity *= 2;
    }
    // allocUnsafeSlow allocates outside Node's shared pool, so the kept body keeps no pool alive.
    const grown = Buffer.allocUnsafeSlow(Math.min(capacity, this.limitBytes));
    this.bytes.copy(grown, 0, 0, this.kept);
    this.bytes = grown;
  }
}

/** Bodies shorter than this are copied whatever their memory, because such a copy costs little. */
const MIN_VIEW_BYTES = 4096;

/**
 * Returns whether the first `length` bytes of a first chunk may be kept as a
 * view, because that keeps no more memory alive than a copy would. A view of
 * a small part of a large message would keep the whole message (up to
 * --max-message-bytes) alive for as long as the stream stays open. But a
 * chunk whose memory is no larger than a pool slab (Buffer.poolSize) keeps
 * only that slab, and a chunk that is mostly body keeps little more than
 * the body. The view saves a copy of every BUFFERED body, which arrives as
 * one chunk.
 */
function viewable(chunk: Uint8Array, length: number): boolean {
  const memory = chunk.buffer.byteLength;
  const slabSized = memory <= Buffer.poolSize && length < Buffer.poolSize >>> 1;
  return length >= MIN_VIEW_BYTES && (slabSized || memory - length <= length >>> 3);
}
