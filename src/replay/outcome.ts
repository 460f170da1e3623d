// Sorts one replayed transaction into the counts of the replay summary:
// logged by ctxproc, blocked, mutated, or failed at the protocol level.
import type { HttpRequestSpec, HttpResponseSpec, TransactionResult } from '../client/types.js';

/** The dynamic metadata namespace that ctxproc writes its verdict to. */
export const CTXPROC_NAMESPACE = 'ctxproc';

export interface ReplayOutcome {
  /** ctxproc set dynamic metadata `ctxproc.logged: true`. */
  logged: boolean;
  /** Envoy replied locally to ctxproc's immediate_response: a local reply with no error kind. */
  blocked: boolean;
  /** The upstream request or the downstream response differs from what was sent. */
  mutated: boolean;
  /** Protocol errors, or the server ended the stream with a non-OK status. */
  protocolError: boolean;
  timedOut: boolean;
  /** Short fixed names of what went wrong, for errors_by_kind. */
  errorKinds: string[];
}

// Headers that Envoy's connection manager and router add to a request on
// their own (request id, forwarding headers, router timeouts). One of these
// on the upstream request is a mutation only if the sent request had it.
const ENVOY_REQUEST_HEADERS = new Set([
  'x-request-id',
  'x-forwarded-proto',
  'x-forwarded-for',
  'x-envoy-internal',
  'x-envoy-external-address',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-attempt-count',
]);

// Headers that Envoy adds to a response on its way downstream.
const ENVOY_RESPONSE_HEADERS = new Set(['date', 'server', 'x-envoy-upstream-service-time']);

// Details of local replies that Envoy makes on its own, not on an
// immediate_response: buffer limits (413 or 500), stream_idle_timeout (408),
// and an upstream that failed before responding.
const ENVOY_LOCAL_REPLIES = ['request_payload_too_large', 'response_payload_too_large', 'stream_idle_timeout', 'upstream_reset_before_response_started'];

// Envoy removes content-length itself in streamed body modes, and a changed
// body shows in the body comparison, so content-length is not compared.
const NOT_COMPARED = 'content-length';

/** Classifies one transaction. `upstreamResponse` is what the upstream returned, if it was called. */
export function classifyResult(sent: HttpRequestSpec, upstreamResponse: HttpResponseSpec | null, result: TransactionResult): ReplayOutcome {
  const errorKinds = errorKindsOf(result);
  const reachedUpstream = result.upstreamRequest !== null && !result.localReply;

  return {
    logged: loggedByCtxproc(result),
    blocked: result.localReply && errorKinds.length === 0,
    mutated:
      reachedUpstream &&
      (requestDiffers(sent, result.upstreamRequest!) || (upstreamResponse !== null && responseDiffers(upstreamResponse, result.downstreamResponse))),
    protocolError: result.protocolErrors.length > 0 || (result.grpcStatus !== null && result.grpcStatus.code !== 0),
    timedOut: result.timedOut,
    errorKinds,
  };
}

function loggedByCtxproc(result: TransactionResult): boolean {
  const verdict = result.dynamicMetadata[CTXPROC_NAMESPACE];
  return verdict !== null && typeof verdict === 'object' && !Array.isArray(verdict) && verdict.logged === true;
}

function errorKindsOf(result: TransactionResult): string[] {
  const kinds = result.protocolErrors.map((message) => `protocol_error:${kindOfMessage(message)}`);
  if (result.grpcStatus !== null && result.grpcStatus.code !== 0) {
    kinds.push(`grpc_status_${result.grpcStatus.code}`);
  }
  if (result.timedOut) {
    kinds.push('timeout');
  }

  // Envoy's details for ext_proc failures look like
  // `ext_proc_error_gRPC_error_14{message}`; the message varies, the kind not.
  const details = result.responseCodeDetails.replace(/\{.*$/s, '');
  if (result.localReply && details.startsWith('ext_proc_error')) {
    kinds.push(details);
  }
  if (result.localReply && ENVOY_LOCAL_REPLIES.includes(details)) {
    kinds.push(`local_reply:${details}`);
  }
  return kinds;
}

// The text before the first colon names the error, and the rest contains values.
function kindOfMessage(message: string): string {
  const head = message.split(':')[0]!.trim();
  return head.length > 80 ? head.slice(0, 80) : head;
}

function requestDiffers(sent: HttpRequestSpec, upstream: HttpRequestSpec): boolean {
  if (sent.method !== upstream.method || sent.path !== upstream.path || sent.authority !== upstream.authority) {
    return true;
  }
  return headersDiffer(sent.headers, upstream.headers, ENVOY_REQUEST_HEADERS) || bodiesDiffer(sent.body, upstream.body);
}

function responseDiffers(original: HttpResponseSpec, received: HttpResponseSpec): boolean {
  if (original.status !== received.status) {
    return true;
  }
  return headersDiffer(original.headers, received.headers, ENVOY_RESPONSE_HEADERS) || bodiesDiffer(original.body, received.body);
}

/** Compares header lists as multisets of (name, value), ignoring Envoy's own additions. */
function headersDiffer(before: ReadonlyArray<readonly [string, string]>, after: ReadonlyArray<readonly [string, string]>, envoyAdded: Set<string>): boolean {
  const namesBefore = new Set(before.map(([name]) => name));
  const keep = ([name]: readonly [string, string]): boolean => name !== NOT_COMPARED && !(envoyAdded.has(name) && !namesBefore.has(name));
  const left = before.filter(keep).map(([name, value]) => `${name}\n${value}`).sort();
  const right = after.filter(keep).map(([name, value]) => `${name}\n${value}`).sort();
  return left.length !== right.length || left.some((entry, index) => entry !== right[index]);
}

function bodiesDiffer(before: Buffer | undefined, after: Buffer | undefined): boolean {
  return !(before ?? Buffer.alloc(0)).equals(after ?? Buffer.alloc(0));
}
