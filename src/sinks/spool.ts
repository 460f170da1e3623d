// An on-disk spool of formatted event lines for one sink: a directory of
// segment files, each one batch as JSON lines, named by a sequence number so
// that the oldest sorts first. A segment is written to a temporary name and
// renamed, so a crash leaves either the whole segment or none of it. Events
// in the spool survive a restart and are sent first on the next start.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface SpoolOptions {
  directory: string;
  /** Maximum bytes of segment files; beyond it the oldest segments are deleted. */
  maxBytes: number;
}

export interface SpoolSegment {
  file: string;
  lines: string[];
}

const SEGMENT = /^(\d{16})\.jsonl$/;

export class Spool {
  readonly directory: string;
  readonly #maxBytes: number;
  /** Segment names, oldest first, with their size in bytes and line count. */
  readonly #segments: Array<{ name: string; bytes: number; lines: number }> = [];
  #next = 0;
  #bytes = 0;
  /** Writes and deletes run one at a time, in order. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: SpoolOptions) {
    this.directory = options.directory;
    this.#maxBytes = options.maxBytes;
    mkdirSync(this.directory, { recursive: true });
    this.#scan();
  }

  /** Number of events in segment files. */
  get depth(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.lines, 0);
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /**
   * Writes lines as one new segment. Resolves with the number of events
   * deleted from the oldest segments to stay within maxBytes.
   */
  write(lines: readonly string[]): Promise<number> {
    const text = lines.join('\n') + '\n';
    const name = `${String(this.#next).padStart(16, '0')}.jsonl`;
    this.#next += 1;
    const bytes = Buffer.byteLength(text);
    this.#segments.push({ name, bytes, lines: lines.length });
    this.#bytes += bytes;

    return this.#serial(async () => {
      const file = path.join(this.directory, name);
      await writeFile(`${file}.tmp`, text, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      return this.#trim();
    });
  }

  /** Reads the oldest segment, or returns null when the spool is empty. */
  async oldest(): Promise<SpoolSegment | null> {
    await this.#chain;
    const segment = this.#segments[0];
    if (segment === undefined) {
      return null;
    }
    const file = path.join(this.directory, segment.name);
    const text = await readFile(file, 'utf8');
    return { file: segment.name, lines: text.split('\n').filter((line) => line.length > 0) };
  }

  /** Deletes a segment once its events were delivered or given up on. */
  remove(name: string): Promise<void> {
    const index = this.#segments.findIndex((segment) => segment.name === name);
    if (index !== -1) {
      const [segment] = this.#segments.splice(index, 1);
      this.#bytes -= segment?.bytes ?? 0;
    }
    return this.#serial(() => rm(path.join(this.directory, name), { force: true }));
  }

  /** Resolves once every write and delete started so far has finished. */
  settled(): Promise<void> {
    return this.#chain.then(() => undefined);
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(step);
    this.#chain = result.catch(() => undefined);
    return result;
  }

  async #trim(): Promise<number> {
    let dropped = 0;
    // The newest segment stays even when it alone exceeds the limit.
    while (this.#bytes > this.#maxBytes && this.#segments.length > 1) {
      const segment = this.#segments.shift();
      if (segment === undefined) {
        break;
      }
      this.#bytes -= segment.bytes;
      dropped += segment.lines;
      await rm(path.join(this.directory, segment.name), { force: true });
    }
    return dropped;
  }

  /** Finds the segments a previous run left, and counts their lines. */
  #scan(): void {
    const names = readdirSync(this.directory).filter((name) => SEGMENT.test(name)).sort();
    for (const name of names) {
      const file = path.join(this.directory, name);
      const bytes = statSync(file).size;
      const lines = countLines(file);
      this.#segments.push({ name, bytes, lines });
      this.#bytes += bytes;
    }
    const last = names.at(-1);
    this.#next = last === undefined ? 0 : Number(SEGMENT.exec(last)?.[1]) + 1;
  }
}

function countLines(file: string): number {
  // Segments are at most one batch (5 MB), so reading one whole at start is bounded.
  const text = readFileSync(file, 'utf8');
  let count = 0;
  for (const line of text.split('\n')) {
    if (line.length > 0) {
      count += 1;
    }
  }
  return count;
}
