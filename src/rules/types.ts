// Shapes shared by the rule compiler, the actions and the engine.
import type { Phase } from '../model/phase.js';
import type { DetectorName, RedactionMode, TransactionRecord } from '../model/record.js';
import type { Activation } from './activation.js';
import type { DebugRegistry } from './actions/debug-registry.js';
import type { LogLimiter } from './actions/log-limiter.js';
import type { PhaseNeed } from './attribute-reads.js';
import type { CompiledExpression, ExpectedType } from './cel.js';
import type { ProblemCode } from './problems.js';
import type { Anchor, PathSegment } from './source.js';
import type { RuleTest } from './testing/test-case.js';

/** Arguments of each action, as the JSON Schema admits them. */
export interface ActionArgs {
  log: {
    message?: string;
    sink?: string | string[];
    fields?: Record<string, string>;
    include?: { headers?: 'all' | string[]; request_body?: number; response_body?: number };
    /** Share of matching transactions logged, 0 to 1. */
    sample?: number;
    rate_limit?: { events: number; per: string; key?: string };
  };
  log_payload: { max_bytes?: number; classes?: string[] };
  tag: Record<string, string>;
  set_header: { to: 'upstream' | 'downstream'; name: string; value: string; append?: boolean };
  append_header: { to: 'upstream' | 'downstream'; name: string; value: string };
  set_field: { name: string; value?: string | number | boolean; expression?: string };
  set_metadata: { key: string; value?: string | number | boolean; expression?: string };
  debug: { for: string; key: string };
  remove_header: { to: 'upstream' | 'downstream'; name: string };
  redact: {
    headers?: string[];
    query_params?: string[];
    cookies?: string[];
    json_paths?: string[];
    detectors?: DetectorName[];
    patterns?: Array<{ name: string; regex: string }>;
    mode?: RedactionMode;
    hmac_key?: { env?: string; file?: string };
  };
  block: { status?: number; headers?: Record<string, string>; body?: string; grpc_status?: number; grpc_message?: string };
}

export type ActionName = keyof ActionArgs;

export type RuleMode = 'enforce' | 'simulate';

/** Process-wide state that actions share across transactions and rule reloads. */
export interface EngineServices {
  readonly logLimiter: LogLimiter;
  readonly debugRegistry: DebugRegistry;
}

/** The values an action reads and writes when its rule matches. */
export interface ActionContext {
  readonly rule: string;
  readonly activation: Activation;
  readonly record: TransactionRecord;
  readonly services: EngineServices;
}

export interface CompiledAction {
  readonly name: ActionName;
  /** Latest phase whose attributes the action's expressions read. */
  readonly need: PhaseNeed;
  /** The action's change to the traffic; null for actions that only shape the event (log, tag, redact). */
  readonly effect: TrafficEffect | null;
  /** Description of the change without values, listed in place of the change when the rule simulates. */
  readonly summary?: string;
  /** Bodies the action copies into the event, so Envoy must send them whatever the condition reads; absent for none. */
  readonly bodies?: { readonly request: boolean; readonly response: boolean };
  /** For debug actions: the expression whose value the trace is switched on for. */
  readonly debugKey?: CompiledExpression;
  apply(context: ActionContext): void;
}

/** A change to the traffic, which Envoy accepts only up to a deadline phase. */
export interface TrafficEffect {
  /** Last phase whose ext_proc reply can carry the change. */
  readonly deadline: Phase;
  /** The change in a few words, for messages: "upstream header changes". */
  readonly description: string;
}

/** Compile-time services offered to an action; paths are relative to the action's arguments. */
export interface ActionCompiler {
  readonly ruleId: string;
  /** Names of the sinks declared for this service; log actions may name only these. */
  readonly sinkNames: ReadonlySet<string>;
  /** Compiles a CEL expression, reporting its problems; returns null when it is invalid. */
  expression(source: string, path: readonly PathSegment[], expected: ExpectedType): CompiledExpression | null;
  report(code: ProblemCode, path: readonly PathSegment[], message: string, anchor?: Anchor): void;
}

/** One action kind: its name and how to compile its arguments. */
export interface ActionDefinition<N extends ActionName> {
  readonly name: N;
  /** Returns the compiled action, or null after reporting why it is invalid. */
  compile(args: ActionArgs[N], compiler: ActionCompiler): CompiledAction | null;
}

export interface CompiledRule {
  readonly id: string;
  readonly description: string;
  /** Position among all loaded rules: the evaluation order within a phase. */
  readonly index: number;
  /** metadata.name of the rule set the rule came from. */
  readonly ruleSetName: string;
  /** File and line of the rule's definition, for operational logs. */
  readonly file: string;
  readonly line: number;
  /** Earliest phase in which everything the rule reads is known. */
  readonly phase: Phase;
  /** The attribute that forces that phase; null when the rule reads none. */
  readonly phaseAttribute: string | null;
  /** simulate: actions that change traffic or metadata are listed in the record, not applied. */
  readonly mode: RuleMode;
  /** Null when the rule has no `when` and always matches. */
  readonly condition: CompiledExpression | null;
  readonly actions: readonly CompiledAction[];
  /** Attributes that the condition and the action expressions read, as root.field; ctxproc envoy-config lists Envoy's from them. */
  readonly attributes: readonly string[];
}

export interface RuleSet {
  /** `sha256:` and the first 12 hex digits of the hash of the loaded files' names and contents. */
  readonly version: string;
  /** Loaded files, in load order. */
  readonly files: string[];
  readonly loadedAt: Date;
  /** Rules of all files, in evaluation order. */
  readonly rules: CompiledRule[];
  /** Rule tests of all files, in file order; they must pass before the set is activated. */
  readonly tests: readonly RuleTest[];
}
