// Decides which rejections of a client connection get a log line: at most
// one per connection per window, and at most a fixed number per window in
// all. A client that opens thousands of connections could otherwise flood
// the log. A metric counts every rejection.
import type { ConnectionKey } from './reply-budget.js';

export interface ConnectionLogLimitOptions {
  /** Length of a window, in milliseconds. */
  windowMs: number;
  /** Lines allowed in one window across all connections. */
  maxLinesPerWindow: number;
}

export class ConnectionLogLimit {
  private windowStart = Number.NEGATIVE_INFINITY;

  /** Connections logged in the current window; never more than maxLinesPerWindow entries. */
  private readonly logged = new Set<ConnectionKey>();

  private suppressed = 0;

  constructor(private readonly options: ConnectionLogLimitOptions) {}

  /**
   * Returns null when this rejection gets no line, or else the number of
   * rejections that got none since the previous line, to put on this one.
   */
  take(connection: ConnectionKey, now: number): { suppressed: number } | null {
    if (now - this.windowStart >= this.options.windowMs) {
      this.windowStart = now;
      this.logged.clear();
    }

    if (this.logged.has(connection) || this.logged.size >= this.options.maxLinesPerWindow) {
      this.suppressed += 1;
      return null;
    }
    this.logged.add(connection);
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { suppressed };
  }
}
