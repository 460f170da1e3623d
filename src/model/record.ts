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
}

/** Names of the built-in value detectors. */
export type DetectorName = 'card_number' | 'jwt' | 'bearer_token' | 'basic_credentials';

export interface RedactionSpec {
  /** Lower-case header names whose values are replaced, in both directions. */
  headers: Set<string>;
  /** Query parameter names whose values are replaced. */
  queryParams: Set<string>;
  /** Cookie names whose values are replaced (in cookie and set-cookie). */
  cookies: Set<string>;
  /** Detectors run over every string that goes into the event. */
  detectors: Set<DetectorName>;
  /** Rule-defined value patterns by name, run like detectors; each RegExp has the g flag only. */
  patterns: Map<string, RegExp>;
  /**
   * Rule that first asked for each target, for the event's list of redactions.
   * Keys are `header:<name>`, `query_param:<name>`, `cookie:<name>`, `detector:<name>` and `pattern:<name>`.
   */
  sources: Map<string, string>;
}

/** An action of a matched rule that was not applied because its phase had passed. */
export interface SkippedAction {
  rule: string;
  /** Action name, such as set_header or block. */
  action: string;
  reason: string;
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
}

/** Returns an empty record for a new transaction. */
export function newTransactionRecord(): TransactionRecord {
  return {
    matched: [],
    tags: {},
    log: null,
    redaction: { headers: new Set(), queryParams: new Set(), cookies: new Set(), detectors: new Set(), patterns: new Map(), sources: new Map() },
    block: null,
    pendingHeaders: { upstream: [], downstream: [] },
    ruleErrors: [],
    skippedActions: [],
  };
}
