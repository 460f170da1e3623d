// A client that drives an ext_proc server exactly as Envoy's ext_proc HTTP
// filter does, for tests, the replay command and benchmarks. Each run() plays
// one HTTP transaction over one Process stream; the HTTP/2 connections stay
// open between transactions, as Envoy's do.
import { resolveClientConfig, type ClientConfig } from './client-config.js';
import type { DeferredCloser } from './filter-session.js';
import { ChannelPool } from './process-stream.js';
import { Transaction } from './transaction.js';
import type { ClientOptions, HttpRequestSpec, TransactionResult, Upstream } from './types.js';

export type * from './types.js';

export class EnvoyClient implements DeferredCloser {
  private readonly config: ClientConfig;
  private readonly pool: ChannelPool;
  private readonly deferred = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  /** Throws when an option has a value Envoy's configuration would reject. */
  constructor(options: ClientOptions) {
    this.config = resolveClientConfig(options);
    this.pool = new ChannelPool(this.config.target, this.config.connections);
  }

  /**
   * Plays one transaction: the request through ext_proc, the upstream, the
   * response through ext_proc. Errors and timeouts are reported in the
   * result; only calling it after close() throws.
   */
  run(request: HttpRequestSpec, upstream: Upstream): Promise<TransactionResult> {
    if (this.closed) {
      return Promise.reject(new Error('EnvoyClient is closed; create a new client to run more transactions'));
    }
    return new Transaction(this.config, this.pool, this).run(request, upstream);
  }

  defer(close: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.deferred.delete(timer);
      close();
    }, delayMs);
    timer.unref();
    this.deferred.set(timer, close);
  }

  /** Resets the streams still kept open for observability mode and closes the connections. */
  close(): void {
    this.closed = true;
    for (const [timer, close] of this.deferred) {
      clearTimeout(timer);
      close();
    }
    this.deferred.clear();
    this.pool.close();
  }
}
