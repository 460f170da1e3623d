// The decisions of the rules for one transaction. Actions write here; the session
// turns it into ext_proc replies and the event builder into a SIEM event.

/** A header change for one direction, applied as Envoy applies mutations. */
export interface HeaderChange {
  op: 'set' | 'append' | 'remove';
  name: string;
  /** Absent for remove. */
  value?: string;
  /** Rule that asked for it. */
  rule: string;
}

export type HeaderTarget = 'upstream' | 'downstream';

export interface BlockDecision {
  status: number;
  headers: Array<[string, string]>;
  body: string;
  rule: string;
  /** gRPC status code (0 to 16) for gRPC requests; the reply then has HTTP status 200. */
  grpcStatus?: number;
}

/** A value the rules add to the event: the rule's expression already evaluated. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

export interface LogDecision {
  /** Rules whose log action fired, in order. */
  rules: string[];
  /** Message of the first log action that set one. */
  message: string | null;
  /** Extra fields, by name; later rules overwrite earlier ones. */
  fields: Record<string, FieldValue>;
  /**
   * Header names each field's expression read values of. A field that read a
   * redacted header is masked whole, whatever the expression did to the value
   * (substring, base64, hex), because a copy can no longer be recognised.
   */
  fieldHeaders: Record<string, readonly string[]>;
  /** Body bytes to include in the event, per direction, already capped by the rule. */
  includeRequestBody: number;
  includeResponseBody: number;
  /** Header names whose values go in the event (after redaction). */
  includeHeaders: 'all' | string[];
  /** Sinks the log actions named, merged. */
  sinks: string[];
  /** True when a log action named no sink, so the event also goes to the default sinks. */
  defaultSinks: boolean;
  /** Events that sample or rate_limit held back since the last event of the same rule and key. */
  suppressed?: SuppressedCount[];
}

/** Events of one rule and key that sample or rate_limit held back. */
export interface SuppressedCount {
  rule: string;
  /** Value of the rate_limit key expression; absent without a key. */
  key?: string;
  count: number;
}

/**
 * Marks, among the header names a field's expression read, that it read a
 * request or response body. A value derived from a body can no longer be
 * matched to a redacted JSON path, so such a field is masked whole when
 * JSON-path redaction applies. ':' never starts a header name in a header map.
 */
export const BODY_SOURCE_KEY = ':body';

/** Names of the built-in value detectors. */
export type DetectorName =
  | 'card_number'
  | 'jwt'
  | 'bearer_token'
  | 'basic_credentials'
  | 'aws_access_key'
  | 'private_key'
  | 'provider_token'
  | 'email'
  | 'us_ssn'
  | 'iban';

/**
 * Replacement style of a redacted value: mask writes `[REDACTED:<reason>]`,
 * partial keeps the last four letters or digits, hmac adds a keyed
 * fingerprint, and remove leaves nothing.
 */
export type RedactionMode = 'mask' | 'partial' | 'hmac' | 'remove';

/** A redact rule's mode for its targets; key is set for hmac only. */
export interface RedactionStyle {
  mode: RedactionMode;
  /** HMAC-SHA-256 key of at least 32 bytes, read when the rules load. */
  key?: Buffer;
}

export interface RedactionSpec {
  /** Lower-case header names whose values are replaced, in both directions. */
  headers: Set<string>;
  /** Query parameter names whose values are replaced. */
  queryParams: Set<string>;
  /** Cookie names whose values are replaced (in cookie and set-cookie). */
  cookies: Set<string>;
  /** Detectors run over every string that goes into the event. */
  detectors: Set<DetectorName>;
  /** JSON paths (`$.user.password`) whose values are masked in JSON bodies. */
  jsonPaths?: Set<string>;
  /** Rule-defined value patterns by name, run like detectors; each RegExp has the g flag only. */
  patterns: Map<string, RegExp>;
  /**
   * Rule that first asked for each target, for the event's list of redactions.
   * Keys are `header:<name>`, `query_param:<name>`, `cookie:<name>`, `detector:<name>`, `pattern:<name>` and `json_path:<path>`.
   */
  sources: Map<string, string>;
  /** Mode of each target, by the same keys as sources; a target without one is masked. */
  styles?: Map<string, RedactionStyle>;
}

/** An action of a matched rule that was not applied because its phase had passed. */
export interface SkippedAction {
  rule: string;
  /** Action name, such as set_header or block. */
  action: string;
  reason: string;
}

/** An action of a rule in simulate mode: what it would have done. */
export interface SimulatedAction {
  rule: string;
  action: string;
  /** Description of the change without values, such as "block with status 403". */
  detail: string;
}

/** One finding of the attack detectors. */
export interface Detection {
  /** Attack class, such as sqli or xss. */
  class: string;
  /** Name of the detector that matched. */
  detector: string;
  /** Location of the value, such as `query.id` or `body.user.name`. */
  location: string;
  /** The matched text with some context around it, as the detector cut it. */
  matched: string;
}

/** A detection attached to the event by log_payload; the builder redacts matched, then cuts it to maxBytes. */
export interface PayloadDecision {
  rule: string;
  class: string;
  detector: string;
  location: string;
  /** The detector's matched text with its context, not yet redacted. */
  matched: string;
  /** UTF-8 bytes of matched kept in the event. */
  maxBytes: number;
}

/** One rule evaluation in a debug trace. */
export interface TraceEntry {
  rule: string;
  /** Phase name, or "end" for rules run when the transaction ended. */
  phase: string;
  result: 'matched' | 'not_matched' | 'error';
  /** Time spent on the condition and the actions, in microseconds. */
  micros: number;
}

export interface TransactionRecord {
  /** Ids of rules whose condition matched, in evaluation order. */
  matched: string[];
  tags: Record<string, string>;
  log: LogDecision | null;
  redaction: RedactionSpec;
  block: BlockDecision | null;
  /** Header changes not yet sent to Envoy, by direction. */
  pendingHeaders: Record<HeaderTarget, HeaderChange[]>;
  /** Errors met while evaluating rules (condition or field expression). */
  ruleErrors: Array<{ rule: string; message: string }>;
  /** Header changes and blocks of matched rules that came too late to apply. */
  skippedActions: SkippedAction[];
  /** Actions of simulate-mode rules (or of every rule in dry-run), listed instead of applied. */
  simulated: SimulatedAction[];
  /** Fields set by set_field, in the event's ctxproc.fields beside the log fields. */
  fields: Record<string, FieldValue>;
  /** Header names each set_field expression read, as LogDecision.fieldHeaders. */
  fieldHeaders: Record<string, readonly string[]>;
  /** Values for Envoy's dynamic metadata under the ctxproc namespace, set by set_metadata. */
  metadata: Record<string, string | number | boolean>;
  /** Header names each set_metadata expression read, so a redacted header's value is masked. */
  metadataHeaders: Record<string, readonly string[]>;
  /** Detections known before the rules run; log_payload adds those the activation computes. */
  detections: Detection[];
  payloads: PayloadDecision[];
  /** Per-rule trace, present while debug is on for this transaction. */
  trace: TraceEntry[] | null;
}

/** Returns the log decision of record, creating an empty one when no log action ran yet. */
export function ensureLog(record: TransactionRecord): LogDecision {
  record.log ??= { rules: [], message: null, fields: {}, fieldHeaders: {}, includeRequestBody: 0, includeResponseBody: 0, includeHeaders: [], sinks: [], defaultSinks: false, suppressed: [] };
  return record.log;
}

/** Returns a redaction spec with no targets, in collections of its own. */
export function emptyRedactionSpec(): RedactionSpec {
  return { headers: new Set(), queryParams: new Set(), cookies: new Set(), detectors: new Set(), patterns: new Map(), sources: new Map(), styles: new Map(), jsonPaths: new Set() };
}

/**
 * Returns an empty record for a new transaction. The session passes a
 * `redaction` whose empty collections are shared (redaction/shared-spec.ts).
 */
export function newTransactionRecord(redaction: RedactionSpec = emptyRedactionSpec()): TransactionRecord {
  return {
    matched: [],
    tags: {},
    log: null,
    redaction,
    block: null,
    pendingHeaders: { upstream: [], downstream: [] },
    ruleErrors: [],
    skippedActions: [],
    simulated: [],
    fields: {},
    fieldHeaders: {},
    metadata: {},
    metadataHeaders: {},
    detections: [],
    payloads: [],
    trace: null,
  };
}
