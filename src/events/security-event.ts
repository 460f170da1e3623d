// The shape of a security event: one JSON object per logged transaction,
// named after Datadog's reserved and standard attributes so that Datadog
// builds its facets without configuration, with everything else under
// `ctxproc`. Fields that are unknown are absent, never null or empty.
import type { FieldValue, TraceEntry } from '../model/record.js';
import type { RedactionEntry } from '../redaction/redactor.js';
import type { QueryObject } from '../redaction/http-redaction.js';

/** `ctxproc.schema_version`: raised when a field changes meaning or type. */
export const SCHEMA_VERSION = 1;

/** `evt.name` of every security event. */
export const EVENT_NAME = 'ctxproc.http.transaction';

/** Datadog status labels that events use; the status remapper reads them as info, warning, error. */
export type EventStatus = 'info' | 'warn' | 'error';

/**
 * End of the ext_proc stream. `completed` also covers a stream that Envoy
 * reset before the response, which then has no `http.status_code`. `error`
 * is a protocol error or an internal failure.
 */
export type StreamEnd = 'completed' | 'error';

export type HeaderValues = Record<string, string | string[]>;

export interface BodyExcerpt {
  /** The body as UTF-8 text, redacted and cut to the rule's byte limit; absent when the body is not text. */
  content?: string;
  /** Bytes Envoy sent for this body, kept or not. */
  size: number;
  /** True when `content` contains less than the whole body. */
  truncated: boolean;
  /** Set to `binary` when the body is not valid UTF-8 and its content was left out. */
  encoding?: 'binary';
}

export interface PayloadExcerpt {
  rule: string;
  class: string;
  detector: string;
  location: string;
  /** The matched text with its context, redacted and cut to the rule's max_bytes. */
  matched: string;
  truncated: boolean;
}

export interface SecurityEvent {
  /** ISO-8601 time at which the transaction started (Envoy sent the request headers). */
  timestamp: string;
  status: EventStatus;
  message: string;
  service: string;
  http?: {
    method?: string;
    url?: string;
    status_code?: number;
    useragent?: string;
    request_id?: string;
    referer?: string;
    version?: string;
    url_details?: {
      host?: string;
      port?: number;
      path?: string;
      queryString?: QueryObject;
      scheme?: string;
    };
  };
  network?: {
    client?: { ip: string; port?: number };
    destination?: { ip: string; port?: number };
  };
  /** Nanoseconds from the start to the end of the transaction. */
  duration?: number;
  evt: {
    name: string;
    outcome?: 'success' | 'failure';
  };
  dd?: {
    trace_id?: string;
    span_id?: string;
    env?: string;
    version?: string;
  };
  ctxproc: {
    kind: 'security_event';
    schema_version: number;
    transaction_id: string;
    rules_version: string;
    rules: {
      matched: string[];
      logged_by: string[];
    };
    action: 'allowed' | 'blocked';
    blocked_by?: string;
    tags?: Record<string, string>;
    fields?: Record<string, FieldValue>;
    headers?: {
      request?: HeaderValues;
      response?: HeaderValues;
    };
    body?: {
      request?: BodyExcerpt;
      response?: BodyExcerpt;
    };
    redactions: RedactionEntry[];
    /** Changes that rules in simulate mode (or every rule in dry-run) would have made. */
    simulated?: Array<{ rule: string; action: string; detail: string }>;
    /** Events held back by sample or rate_limit since the last event of each rule and key. */
    suppressed?: Array<{ rule: string; key?: string; count: number }>;
    /** Detector matches that log_payload attached. */
    payloads?: PayloadExcerpt[];
    /** Present while a debug action has tracing on for this transaction. */
    debug?: { trace: TraceEntry[] };
    stream_end: StreamEnd;
    notes?: string[];
    rule_errors?: Array<{ rule: string; message: string }>;
  };
}
