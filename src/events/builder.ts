// Builds the security event of one transaction. Every string taken from the
// transaction or from rule output passes through one Redactor before it is
// placed in the event. So the returned object contains no value that a
// redact rule, the built-in baseline (baseline.ts) or a detector covers.
import type { Exchange } from '../model/exchange.js';
import type { FieldValue, LogDecision, TransactionRecord } from '../model/record.js';
import { withBaseline } from '../redaction/baseline.js';
import { rememberKnownSecrets } from '../redaction/known-secrets.js';
import { maskDerivedValue } from '../redaction/derived-values.js';
import { Redactor, type RedactorOptions } from '../redaction/redactor.js';
import { bodyExcerpt } from './body-excerpt.js';
import { decodingNotes } from './decoding-notes.js';
import { headerSection } from './headers-section.js';
import { httpAttributes, messagePath, networkAttributes } from './http-attributes.js';
import { ruleOutput } from './rule-output.js';
import { eventOutcome, eventStatus, type TransactionEnd } from './level-policy.js';
import { EVENT_NAME, SCHEMA_VERSION, type SecurityEvent, type StreamEnd } from './security-event.js';
import { traceIdsFromHeaders } from './trace-context.js';

export interface EventContext {
  /** `service`; default "ctxproc". */
  service?: string;
  /** `dd.env`, when set. */
  env?: string | null;
  /** `dd.version`, the version of the deployed service, when set. */
  version?: string | null;
  /** Version of the rule set that decided, for `ctxproc.rules_version`. */
  rulesVersion: string;
  outcome: {
    /** True when ctxproc sent the immediate response itself (Envoy applied the block). */
    blocked: boolean;
    streamEnd: StreamEnd;
  };
  /** Facts about processing, such as "request body truncated at 65536 bytes". */
  notes?: string[];
  /** Mask mode, HMAC key and limits; mask mode with default limits when absent. */
  redaction?: RedactorOptions;
}

const DEFAULT_SERVICE = 'ctxproc';

/**
 * Builds the event. `timestamp` is the start of the transaction, as in
 * Envoy's access logs, and `duration` runs to its end, or to now when the
 * exchange has no end yet. Throws CTXPROC_CONFIG_INVALID when the redaction
 * options are invalid, such as hmac mode without a long enough key.
 *
 * NOTE: each value is capped, but not the event as a whole. Many included
 * headers or large body limits can exceed the 16 KB at which container
 * runtimes split a log line.
 */
export function buildSecurityEvent(exchange: Exchange, record: TransactionRecord, context: EventContext): SecurityEvent {
  const redactor = new Redactor(withBaseline(record.redaction), context.redaction);
  rememberKnownSecrets(redactor, exchange);
  const blocked = context.outcome.blocked;
  const statusCode = responseStatus(exchange, record, blocked);
  const end: TransactionEnd = { streamEnd: context.outcome.streamEnd, blocked, statusCode, ruleErrors: record.ruleErrors.length };

  const http = httpAttributes(redactor, exchange, statusCode);
  const ctxproc = ctxprocAttributes(redactor, exchange, record, context);
  const event: SecurityEvent = {
    timestamp: new Date(exchange.startTimeMs).toISOString(),
    status: eventStatus(end),
    message: eventMessage(redactor, exchange, record, http),
    service: context.service ?? DEFAULT_SERVICE,
    http,
    network: networkAttributes(exchange),
    duration: durationNs(exchange),
    evt: { name: EVENT_NAME, outcome: eventOutcome(end) },
    dd: datadogAttributes(exchange, context),
    ctxproc,
  };

  ctxproc.notes = nonEmpty([...(ctxproc.notes ?? []), ...decodingNotes(redactor, exchange), ...redactor.limitNotes(), ...ruleErrorsLeftOut(record)]);
  ctxproc.redactions = redactor.entries();
  return withoutUndefined(event);
}

/**
 * Rule errors one event lists at most. Rules generated from one template
 * fail together, and 5,000 of them would add about 500 KB to one event.
 * ctxproc_rule_errors_total still counts every error by rule.
 */
const MAX_EVENT_RULE_ERRORS = 20;

function ruleErrorsLeftOut(record: TransactionRecord): string[] {
  const leftOut = record.ruleErrors.length - MAX_EVENT_RULE_ERRORS;
  if (leftOut <= 0) {
    return [];
  }
  return [`${leftOut} more rule ${leftOut === 1 ? 'error was' : 'errors were'} left out of rule_errors, which lists the first ${MAX_EVENT_RULE_ERRORS}; ctxproc_rule_errors_total counts each by rule`];
}

function ctxprocAttributes(redactor: Redactor, exchange: Exchange, record: TransactionRecord, context: EventContext): SecurityEvent['ctxproc'] {
  const log = record.log;
  const blocked = context.outcome.blocked;
  const include = log?.includeHeaders ?? [];

  return {
    kind: 'security_event',
    schema_version: SCHEMA_VERSION,
    transaction_id: exchange.id,
    rules_version: context.rulesVersion,
    rules: { matched: [...record.matched], logged_by: [...(log?.rules ?? [])] },
    action: blocked ? 'blocked' : 'allowed',
    blocked_by: blocked ? record.block?.rule : undefined,
    tags: redactTags(redactor, record.tags),
    fields: eventFields(redactor, record),
    headers: nonEmptyObject({
      request: exchange.request ? headerSection(redactor, 'request', exchange.request.headers, include) : undefined,
      response: exchange.response ? headerSection(redactor, 'response', exchange.response.headers, include) : undefined,
    }),
    body: nonEmptyObject({
      request: bodyExcerpt(redactor, 'request', exchange.request?.body ?? null, exchange.request?.headers ?? [], log?.includeRequestBody ?? 0),
      response: bodyExcerpt(redactor, 'response', exchange.response?.body ?? null, exchange.response?.headers ?? [], log?.includeResponseBody ?? 0),
    }),
    redactions: [],
    ...ruleOutput(redactor, record, exchange),
    stream_end: context.outcome.streamEnd,
    notes: nonEmpty((context.notes ?? []).map((note) => redactor.text('ctxproc.notes', note))),
    rule_errors: nonEmpty(record.ruleErrors.slice(0, MAX_EVENT_RULE_ERRORS).map(({ rule, message }) => ({ rule, message: redactor.text('ctxproc.rule_errors', message) }))),
  };
}

/** Returns the log rule's message when one set it, else `METHOD /path STATUS`. */
function eventMessage(redactor: Redactor, exchange: Exchange, record: TransactionRecord, http: SecurityEvent['http']): string {
  if (record.log?.message) {
    return redactor.text('message', record.log.message);
  }
  if (!exchange.request) {
    return `transaction ${exchange.id} ended before its request headers arrived`;
  }

  const parts = [http?.method || '-', messagePath(http)];
  if (http?.status_code !== undefined) {
    parts.push(String(http.status_code));
  }
  return parts.join(' ');
}

/** Returns the status the client received: Envoy's `:status`, or the block's status when ctxproc sent the response. */
function responseStatus(exchange: Exchange, record: TransactionRecord, blocked: boolean): number | undefined {
  const code = exchange.response?.code ?? (blocked ? record.block?.status : undefined);
  return code !== undefined && Number.isInteger(code) && code > 0 ? code : undefined;
}

function durationNs(exchange: Exchange): number {
  const end = exchange.endNs ?? process.hrtime.bigint();
  const elapsed = end - exchange.startNs;
  return elapsed > 0n ? Number(elapsed) : 0;
}

function datadogAttributes(exchange: Exchange, context: EventContext): SecurityEvent['dd'] {
  const ids = exchange.request ? traceIdsFromHeaders(exchange.request.headers) : null;
  return nonEmptyObject({
    trace_id: ids?.traceId,
    span_id: ids?.spanId,
    env: context.env ?? undefined,
    version: context.version ?? undefined,
  });
}

function redactTags(redactor: Redactor, tags: Record<string, string>): Record<string, string> | undefined {
  const result: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(tags)) {
    const safeKey = redactor.name('ctxproc.tags', key);
    result[safeKey] = redactor.text(`ctxproc.tags.${safeKey}`, value);
  }
  return nonEmptyObject(result);
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

/** Returns undefined when every value of `value` is undefined, so the key is left out. */
function nonEmptyObject<T extends object>(value: T): T | undefined {
  return Object.values(value).some((entry) => entry !== undefined) ? value : undefined;
}

/**
 * Returns `value` without undefined values, recursively through objects,
 * so that absent facts are absent keys. Plain objects are copied without
 * those keys instead of having them deleted, because a delete turns the
 * object into a slow dictionary for the serialiser that follows.
 */
function withoutUndefined<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return value;
  }
  const copy = plainCopyTarget(value as Record<string, unknown>);
  for (const key of Object.keys(value)) {
    const entry = (value as Record<string, unknown>)[key];
    if (entry === undefined) {
      if (copy === value) {
        delete copy[key];
      }
    } else {
      copy[key] = withoutUndefined(entry);
    }
  }
  return copy as T;
}

/** Returns a new empty object for a plain or null-prototype object, or the object itself for any other kind. */
function plainCopyTarget(value: Record<string, unknown>): Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype === null) {
    return Object.create(null) as Record<string, unknown>;
  }
  return prototype === Object.prototype ? {} : value;
}

/** Returns the log fields and the set_field fields (which win on equal names), redacted; undefined when there are none. */
function eventFields(redactor: Redactor, record: TransactionRecord): Record<string, FieldValue> | undefined {
  const fields = { ...record.log?.fields, ...record.fields };
  if (Object.keys(fields).length === 0) {
    return undefined;
  }
  const fieldHeaders = { ...record.log?.fieldHeaders, ...record.fieldHeaders };
  return redactFields(redactor, { fields, fieldHeaders });
}

/**
 * Redacts the rules' fields. A field whose expression read a redacted
 * header, or a body while JSON-path redaction applies, is masked whole
 * (see maskDerivedValue).
 */
function redactFields(redactor: Redactor, log: Pick<LogDecision, 'fields' | 'fieldHeaders'>): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(log.fields)) {
    fields[name] = maskDerivedValue(redactor, log.fieldHeaders?.[name] ?? [], `ctxproc.fields.${name}`, value) ?? value;
  }
  return redactor.fieldValue('ctxproc.fields', fields) as Record<string, FieldValue>;
}
