// The stated policy that maps a transaction's end to the event's `status`
// and `evt.outcome`. Datadog's status remapper reads `info`, `warn` and
// `error` as Info, Warning and Error.
import type { EventStatus, StreamEnd } from './security-event.js';

export interface TransactionEnd {
  streamEnd: StreamEnd;
  blocked: boolean;
  /** HTTP status sent to the client; undefined when no response is known. */
  statusCode: number | undefined;
  ruleErrors: number;
}

/**
 * Returns `error` when the stream failed or the upstream returned 5xx.
 * Returns `warn` when ctxproc blocked the request, the status is 4xx, or a
 * rule failed to evaluate, and `info` otherwise.
 * A block is `warn` whatever its status, because it is a decision, not a fault.
 */
export function eventStatus(end: TransactionEnd): EventStatus {
  if (end.streamEnd === 'error') {
    return 'error';
  }
  if (end.blocked) {
    return 'warn';
  }
  if (end.statusCode !== undefined && end.statusCode >= 500) {
    return 'error';
  }

  const clientError = end.statusCode !== undefined && end.statusCode >= 400;
  return clientError || end.ruleErrors > 0 ? 'warn' : 'info';
}

/**
 * Returns `failure` when the request was blocked, the status is 400 or
 * above, or the stream ended with an error, and `success` for a completed
 * stream with a status below 400. Returns undefined, so the field is left
 * out, when the stream completed without a known status, as when Envoy
 * skips the response phases.
 */
export function eventOutcome(end: TransactionEnd): 'success' | 'failure' | undefined {
  if (end.blocked || end.streamEnd !== 'completed') {
    return 'failure';
  }
  if (end.statusCode === undefined) {
    return undefined;
  }
  return end.statusCode >= 400 ? 'failure' : 'success';
}
