// A bounded FIFO of formatted event lines, limited in count and in bytes.
// Pushing past a bound removes the oldest lines and returns them, so that
// the caller can spool or count them: nothing leaves the queue silently.

export interface QueueLimits {
  /** Maximum number of lines. */
  maxEvents: number;
  /** Maximum UTF-8 bytes over all lines. */
  maxBytes: number;
}

export class LineQueue {
  #lines: string[] = [];
  #head = 0;
  #bytes = 0;

  constructor(private readonly limits: QueueLimits) {}

  get length(): number {
    return this.#lines.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a line; returns the oldest lines removed to stay within the limits. */
  push(line: string): string[] {
    this.#lines.push(line);
    this.#bytes += Buffer.byteLength(line);

    const evicted: string[] = [];
    while (this.length > this.limits.maxEvents || (this.#bytes > this.limits.maxBytes && this.length > 1)) {
      evicted.push(this.#shift());
    }
    return evicted;
  }

  /** Removes and returns up to maxEvents lines from the front whose total size stays within maxBytes; always at least one line when not empty. */
  take(maxEvents: number, maxBytes: number): string[] {
    const batch: string[] = [];
    let bytes = 0;
    while (this.length > 0 && batch.length < maxEvents) {
      const size = Buffer.byteLength(this.#lines[this.#head] as string);
      if (batch.length > 0 && bytes + size > maxBytes) {
        break;
      }
      bytes += size;
      batch.push(this.#shift());
    }
    return batch;
  }

  #shift(): string {
    const line = this.#lines[this.#head] as string;
    this.#head += 1;
    this.#bytes -= Buffer.byteLength(line);
    // Compact now and then, so that the array does not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#head = 0;
    }
    return line;
  }
}
