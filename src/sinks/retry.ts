// The reaction of a sink to a reply of Datadog's logs intake v2. A 2xx reply
// means delivered. 408, 429 and 5xx are temporary, so the batch is retried
// with backoff. 413 means the payload exceeded 5 MB, so the batch is split.
// 400, 401 and 403 would fail again unchanged, so they are not retried.

export type ReplyClass = 'delivered' | 'retry' | 'split' | 'rejected';

export function classifyStatus(status: number): ReplyClass {
  if (status >= 200 && status < 300) {
    return 'delivered';
  }
  if (status === 413) {
    return 'split';
  }
  if (status === 408 || status === 429 || status >= 500) {
    return 'retry';
  }
  return 'rejected';
}

export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  baseMs: number;
  /** Largest delay, in milliseconds. */
  maxMs: number;
}

/**
 * Returns the delay before retry number `attempt` (1 for the first): the
 * exponential step min(max, base * 2^(attempt-1)), of which a random half
 * is jitter, so that many ctxproc replicas do not retry in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt - 1, 30));
  return step / 2 + random() * (step / 2);
}

/** Reads a Retry-After header given in seconds; returns milliseconds, or null when absent or not a number. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) {
    return null;
  }
  return Number(header.trim()) * 1000;
}
