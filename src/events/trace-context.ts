// Datadog trace and span ids for an event, read from the propagation
// headers of the proxied request. ext_proc has no active span of its own, so
// the ids tie the event to the trace of the caller that Envoy forwarded.
// Datadog expects both as unsigned 64-bit integers in decimal.
import type { HeaderList } from '../model/exchange.js';

export interface TraceIds {
  /** `dd.trace_id`: the low 64 bits of the trace id, decimal. */
  traceId: string;
  /** `dd.span_id`: the caller's span id (the parent of the proxied request), decimal; absent when unknown. */
  spanId?: string;
}

const MAX_UINT64 = (1n << 64n) - 1n;

/** Datadog writes ids as decimal uint64: 1 to 20 digits. */
const DECIMAL_ID = /^[0-9]{1,20}$/;

/** W3C Trace Context (level 1) version 00: version, trace-id, parent-id, flags, lower-case hex. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Reads the ids from `x-datadog-trace-id`/`x-datadog-parent-id`, else from
 * `traceparent`. Datadog tracers extract in that order by default
 * (DD_TRACE_PROPAGATION_STYLE is `datadog,tracecontext,baggage`, per
 * docs.datadoghq.com/tracing/trace_collection/trace_context_propagation).
 * Returns null when neither carries a valid trace id.
 */
export function traceIdsFromHeaders(headers: HeaderList): TraceIds | null {
  const datadogTrace = parseDatadogId(singleHeader(headers, 'x-datadog-trace-id'));
  if (datadogTrace !== null) {
    const parent = parseDatadogId(singleHeader(headers, 'x-datadog-parent-id'));
    return parent === null ? { traceId: datadogTrace } : { traceId: datadogTrace, spanId: parent };
  }

  return parseTraceparent(singleHeader(headers, 'traceparent'));
}

/** Parses a decimal Datadog id; returns it without leading zeros, or null when absent, zero or above 2^64-1. */
export function parseDatadogId(value: string | undefined): string | null {
  const text = value?.trim();
  if (!text || !DECIMAL_ID.test(text)) {
    return null;
  }

  const id = BigInt(text);
  return id === 0n || id > MAX_UINT64 ? null : id.toString();
}

/**
 * Parses a W3C `traceparent` header. Version ff is invalid; version 00 has
 * exactly four fields; a later version may append fields after a dash. An
 * all-zero trace id or parent id is invalid, and so is a trace id whose low
 * 64 bits are zero, since Datadog cannot correlate trace id 0.
 */
export function parseTraceparent(value: string | undefined): TraceIds | null {
  const match = TRACEPARENT.exec(value?.trim() ?? '');
  if (!match) {
    return null;
  }

  const [, version, traceHex, parentHex, , extra] = match;
  if (version === 'ff' || (version === '00' && extra !== undefined)) {
    return null;
  }

  const traceLow = BigInt(`0x${traceHex!.slice(16)}`);
  const parent = BigInt(`0x${parentHex}`);
  if (traceLow === 0n || parent === 0n) {
    return null;
  }
  return { traceId: traceLow.toString(), spanId: parent.toString() };
}

/** Returns the header's value when it appears exactly once; a repeated id header is ambiguous. */
function singleHeader(headers: HeaderList, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of headers) {
    if (key !== name) {
      continue;
    }
    if (found !== undefined) {
      return undefined;
    }
    found = value;
  }
  return found;
}
