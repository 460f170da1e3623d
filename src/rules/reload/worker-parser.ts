// Parses the rule files of a live reload in a worker thread (parse-worker.ts)
// and builds each SourceFile on the main thread from the plain data the
// worker sends back. The main thread then allocates only that data and the
// compiled rules, so collections during a reload stay short. Handing back a
// file of 100 rules is about 55 KB of structured clone, which took 0.2 ms
// median to deserialize on a shared 2-core machine (docs/reliability.md).
import { Worker } from 'node:worker_threads';
import { SourceFile, type ParsedSourceParts } from '../source.js';
import type { Step } from './slices.js';

/** A file to parse, sent to the worker. */
export interface ParseRequest {
  id: number;
  path: string;
  text: string;
}

/** The parsed parts of a requested file, sent back by the worker. */
export interface ParseReply {
  id: number;
  parts: ParsedSourceParts;
}

const WORKER_URL = new URL('./parse-worker.js', import.meta.url);

export class WorkerFileParser {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(parts: ParsedSourceParts): void; reject(error: Error): void }>();
  #nextId = 0;
  #failure: Error | null = null;

  /** `workerUrl` is the script the worker runs; tests pass one that fails to load. */
  constructor(workerUrl: URL = WORKER_URL) {
    this.#worker = new Worker(workerUrl);
    this.#worker.on('message', (reply: ParseReply) => {
      this.#pending.get(reply.id)?.resolve(reply.parts);
      this.#pending.delete(reply.id);
    });
    this.#worker.on('error', (error) => this.#fail(new Error(`the rule parsing worker failed: ${error.message}`)));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the rule parsing worker exited with code ${code} before it parsed every file`)));
  }

  /** Starts parsing a file in the worker; the promise resolves with its SourceFile. */
  parse(path: string, text: string): Promise<SourceFile> {
    if (this.#failure !== null) {
      return Promise.reject(this.#failure);
    }

    const id = this.#nextId++;
    const parts = new Promise<ParsedSourceParts>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#worker.postMessage({ id, path, text } satisfies ParseRequest);
    const source = parts.then((received) => new SourceFile(path, text, received));
    // A file parsed ahead may never be awaited when the compile stops early,
    // and its rejection on close must not end the process as unhandled.
    source.catch(() => undefined);
    return source;
  }

  /**
   * Returns a parse function for compileRuleFileSteps that parses the files
   * in order, each one started while the one before it compiles, so the
   * worker parses while the main thread compiles.
   */
  stepsFor(files: ReadonlyArray<{ path: string; text: string }>): (path: string, text: string) => Generator<Step, SourceFile> {
    const started = new Map<string, Promise<SourceFile>>();
    const start = (index: number): void => {
      const file = files[index];
      if (file !== undefined && !started.has(file.path)) {
        started.set(file.path, this.parse(file.path, file.text));
      }
    };

    return (path, text) => this.#waitFor(started, path, text, () => start(files.findIndex((file) => file.path === path) + 1));
  }

  *#waitFor(started: Map<string, Promise<SourceFile>>, path: string, text: string, startNext: () => void): Generator<Step, SourceFile> {
    const parsing = started.get(path) ?? this.parse(path, text);
    started.delete(path);
    startNext();

    let source: SourceFile | undefined;
    yield parsing.then((parsed) => {
      source = parsed;
    });
    if (source === undefined) {
      throw new Error(`the parse of ${path} was resumed before the worker replied; run these steps with runInSlices, which waits for yielded promises`);
    }
    return source;
  }

  /** Stops the worker; files still being parsed are rejected. */
  async close(): Promise<void> {
    this.#fail(new Error('the rule parsing worker was closed'));
    await this.#worker.terminate();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) {
      pending.reject(this.#failure);
    }
    this.#pending.clear();
  }
}
