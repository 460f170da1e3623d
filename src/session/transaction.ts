// The per-stream state machine: one Transaction per ext_proc stream, which is
// one HTTP request and its response. It checks message order, records what
// each phase carries, runs the rules for the phase, and returns the reply to
// send. It uses no gRPC types, because the stream handler moves the bytes.
import { randomBytes } from 'node:crypto';
import type { ErrorCode } from '../errors/codes.js';
import type { BodyCapture, Exchange, HeaderList, RequestFacts } from '../model/exchange.js';
import { forgetBodyViews } from '../model/body-text.js';
import { contentEncoding } from '../content-coding/codings.js';
import { Phase } from '../model/phase.js';
import { newTransactionRecord, type HeaderTarget, type TransactionRecord } from '../model/record.js';
import type { HeaderMap, HttpBody, ProcessingMode, ProcessingRequest, RequestKind } from '../protocol/messages.js';
import { BodySendMode } from '../protocol/messages.js';
import { structToJson, type JsonValue } from '../protocol/struct.js';
import { encodeStructField } from '../protocol/struct-writer.js';
import { redactedMetadata } from '../redaction/metadata-values.js';
import { emptySharedSpec } from '../redaction/shared-spec.js';
import { BodyAccumulator } from './body.js';
import { DirectionState, DirectionTracker } from './direction.js';
import { endpointFromAttributes, sourceFromHeaders } from './endpoints.js';
import { applyHeaderChanges, headerValue, readHeaderMap, requestFactsFromHeaders, toHeaderMutation } from './headers.js';
import { blockReply, phaseReply, streamedBodyReply } from './replies.js';
import type { BodyNeeds } from '../rules/body-needs.js';
import { modeOverrideFor } from './mode-override.js';

/** The rule engine as the transaction uses it: facts in, decisions into the record. */
export interface RuleRunner {
  runPhase(phase: Phase, exchange: Exchange, record: TransactionRecord, lastPhase?: Phase): void;
  finish(exchange: Exchange, record: TransactionRecord): void;
  /** Returns the bodies that rules not run yet may need; without this method every configured body is kept. */
  bodyNeeds?(exchange: Exchange, record: TransactionRecord): BodyNeeds;
}

/** State of a transaction. */
export enum TransactionState {
  /** Messages are expected. */
  Open,
  /** The response direction ended; the event can be written. */
  Completed,
  /** ctxproc sent an immediate response, after which Envoy sends nothing more. */
  Blocked,
  /** A message broke the protocol; the stream ends with an error status. */
  Failed,
}

export type ReceiveResult =
  | { kind: 'reply'; bytes: Buffer; done: boolean }
  | { kind: 'silent'; done: boolean }
  | { kind: 'violation'; code: ErrorCode; message: string };

export interface TransactionOptions {
  bodyLimitBytes: number;
  /** Headers (or trailers) of one message kept for rules and events; the rest are skipped and noted. */
  maxHeaders?: number;
  rulesVersion: string;
  onBodyTruncated?: (direction: 'request' | 'response') => void;
  onHeadersSkipped?: (kind: HeaderSection) => void;
}

export type HeaderSection = 'request_headers' | 'request_trailers' | 'response_headers' | 'response_trailers';

/** The attribute namespace Envoy uses for request_attributes and response_attributes. */
const ATTRIBUTES_KEY = 'envoy.filters.http.ext_proc';

/** The dynamic metadata namespace ctxproc writes; Envoy keeps it only if listed in receiving_namespaces. */
export const METADATA_NAMESPACE = 'ctxproc';

/**
 * Envoy's shared metadata namespace and its key that requests access loggers to
 * log the request (Envoy docs, "Well Known Dynamic Metadata"). A filter may
 * set it to true but must not overwrite a true with false, so ctxproc only
 * ever sets true. An access log filter (`metadata_filter`) reads it.
 */
export const ACCESS_LOG_HINT_NAMESPACE = 'envoy.common';
export const ACCESS_LOG_HINT_KEY = 'access_log_hint';

const ACCESS_LOG_HINT: Record<string, JsonValue> = { [ACCESS_LOG_HINT_KEY]: true };

/** ProcessingResponse.dynamic_metadata's field number. */
const DYNAMIC_METADATA_FIELD = 8;

const PHASE_OF: Record<RequestKind, Phase> = {
  request_headers: Phase.RequestHeaders,
  request_body: Phase.RequestBody,
  request_trailers: Phase.RequestTrailers,
  response_headers: Phase.ResponseHeaders,
  response_body: Phase.ResponseBody,
  response_trailers: Phase.ResponseTrailers,
};

const BOOT_ID = randomBytes(4).toString('hex');

/**
 * The body of a message whose headers ended the stream (end_of_stream), as
 * a GET's: known to be empty, so `request.body.contains('x')` is false there
 * instead of a "no such key" rule error.
 */
const NO_BODY: BodyCapture = Object.freeze({ bytes: Buffer.alloc(0), size: 0, truncated: false, complete: true });

/**
 * Returns the last phase whose rules can run at a headers message: the
 * headers' own, or with end_of_stream the direction's trailers, since no
 * body or trailers follow. Rules that read the (empty) body then run before
 * the reply, so a block stops the request and an upstream header change
 * reaches it.
 */
function lastPhaseOf(headers: { end_of_stream?: boolean | null } | null | undefined, phase: Phase, trailersPhase: Phase): Phase {
  return headers?.end_of_stream === true ? trailersPhase : phase;
}

/** The attributes of a released transaction. */
const NO_ATTRIBUTES: Record<string, unknown> = Object.freeze({});
let transactionCounter = 0;

export class Transaction {
  readonly exchange: Exchange;

  readonly record: TransactionRecord = newTransactionRecord(emptySharedSpec());

  /** Facts about processing that the event reports, such as truncated bodies. */
  readonly notes: string[] = [];

  state = TransactionState.Open;

  /** Header changes and blocks that the rules decided but Envoy never received. */
  unappliedActions = 0;

  /** ProcessingRequest messages received, valid or not. */
  messageCount = 0;

  observabilityMode = false;

  private readonly request = new DirectionTracker('request');

  private readonly response = new DirectionTracker('response');

  private readonly bodies: Record<'request' | 'response', BodyAccumulator>;

  private requestBodyMode: number | null = null;

  private responseBodyMode: number | null = null;

  private finished = false;

  private metadataSignature = '';

  constructor(private readonly rules: RuleRunner, private readonly options: TransactionOptions) {
    transactionCounter += 1;
    this.exchange = {
      id: `${BOOT_ID}-${transactionCounter.toString(36)}`,
      startTimeMs: Date.now(),
      startNs: process.hrtime.bigint(),
      endNs: null,
      request: null,
      response: null,
      source: null,
      destination: null,
      attributes: {},
    };
    this.bodies = { request: new BodyAccumulator(options.bodyLimitBytes), response: new BodyAccumulator(options.bodyLimitBytes) };
  }

  /** Version of the rule set this transaction runs on, fixed when its stream opened. */
  get rulesVersion(): string {
    return this.options.rulesVersion;
  }

  /** Returns the phase of a message, or null when no phase is set. */
  static phaseOf(message: ProcessingRequest): Phase | null {
    return message.request ? PHASE_OF[message.request] : null;
  }

  /** Handles one ProcessingRequest and returns what to send back. */
  receive(message: ProcessingRequest): ReceiveResult {
    this.messageCount += 1;
    if (this.state !== TransactionState.Open) {
      return this.violation('CTXPROC_PROTO_AFTER_END', `${message.request ?? 'message'} received after the transaction ended (${TransactionState[this.state]})`);
    }

    const kind = message.request;
    if (!kind) {
      return this.violation('CTXPROC_PROTO_MISSING_PHASE', 'ProcessingRequest has no phase set');
    }

    this.readStreamContext(message);

    const orderViolation = this.trackOrder(kind, message);
    if (orderViolation) {
      return orderViolation;
    }

    const result = this.process(kind, message);
    this.forgetBodyViews();
    return result;
  }

  /**
   * Ends the transaction: rules whose phase never came run with what is known.
   * Safe to call more than once; only the first call runs the rules.
   */
  finish(): void {
    if (this.finished) {
      return;
    }
    this.finished = true;

    this.rules.finish(this.exchange, this.record);
    this.exchange.endNs = process.hrtime.bigint();
    this.noteUnapplied('upstream');
    this.noteUnapplied('downstream');
    for (const skipped of this.record.skippedActions) {
      this.notes.push(`${skipped.action} of rule ${skipped.rule} was not applied: ${skipped.reason}`);
    }
    this.unappliedActions += this.record.skippedActions.length;
    if (this.record.block && this.state !== TransactionState.Blocked) {
      this.notes.push(`block by rule ${this.record.block.rule} decided after the last reply; the request was not blocked`);
      this.unappliedActions += 1;
      this.record.block = null;
    }
  }

  /**
   * Drops the headers, attributes and bodies once the event is written. The
   * record stays, because `ctxproc test` reads it after the end. Young
   * collections still reached ended transactions through objects that Node
   * keeps until a full collection, so each was promoted with its headers.
   */
  release(): void {
    this.exchange.request = null;
    this.exchange.response = null;
    this.exchange.attributes = NO_ATTRIBUTES;
    this.bodies.request.discard();
    this.bodies.response.discard();
  }

  /** True once `finish` ran. */
  get isFinished(): boolean {
    return this.finished;
  }

  private readStreamContext(message: ProcessingRequest): void {
    if (message.observability_mode) {
      this.observabilityMode = true;
    }
    const config = message.protocol_config;
    if (config) {
      this.requestBodyMode = config.request_body_mode ?? BodySendMode.NONE;
      this.responseBodyMode = config.response_body_mode ?? BodySendMode.NONE;
    }

    const attributes = message.attributes?.[ATTRIBUTES_KEY];
    if (attributes) {
      Object.assign(this.exchange.attributes, structToJson(attributes));
      this.readEndpoints();
    }
  }

  private trackOrder(kind: RequestKind, message: ProcessingRequest): ReceiveResult | null {
    const tracker = kind.startsWith('request_') ? this.request : this.response;
    const part = kind.endsWith('_headers') ? 'headers' : kind.endsWith('_body') ? 'body' : 'trailers';
    const endOfStream = part === 'headers'
      ? Boolean(message[kind as 'request_headers']?.end_of_stream)
      : part === 'body' ? Boolean(message[kind as 'request_body']?.end_of_stream) : true;

    if (kind === 'request_headers' && this.response.state !== DirectionState.Idle) {
      return this.violation('CTXPROC_PROTO_OUT_OF_ORDER', 'request_headers received after the response direction started');
    }

    const violation = tracker.accept(part, endOfStream);
    return violation ? this.violation(violation.code, violation.message) : null;
  }

  private process(kind: RequestKind, message: ProcessingRequest): ReceiveResult {
    switch (kind) {
      case 'request_headers':
        this.readRequestHeaders(message);
        return this.runAndReply(kind, Phase.RequestHeaders, null, lastPhaseOf(message.request_headers, Phase.RequestHeaders, Phase.RequestTrailers));
      case 'request_body':
        return this.receiveBody(kind, 'request', message.request_body);
      case 'request_trailers':
        this.ensureRequest().trailers = this.readHeaders('request_trailers', message.request_trailers?.trailers);
        return this.runAndReply(kind, Phase.RequestTrailers, null);
      case 'response_headers':
        this.readResponseHeaders(message);
        return this.runAndReply(kind, Phase.ResponseHeaders, null, lastPhaseOf(message.response_headers, Phase.ResponseHeaders, Phase.ResponseTrailers));
      case 'response_body':
        return this.receiveBody(kind, 'response', message.response_body);
      case 'response_trailers':
        this.ensureResponse().trailers = this.readHeaders('response_trailers', message.response_trailers?.trailers);
        return this.runAndReply(kind, Phase.ResponseTrailers, null);
    }
  }

  private readRequestHeaders(message: ProcessingRequest): void {
    const headers = this.readHeaders('request_headers', message.request_headers?.headers);
    this.exchange.request = requestFactsFromHeaders(headers);
    if (message.request_headers?.end_of_stream === true) {
      this.exchange.request.body = NO_BODY;
    }
    if (!this.exchange.source) {
      this.exchange.source = sourceFromHeaders(headers);
    }
  }

  private readResponseHeaders(message: ProcessingRequest): void {
    const headers = this.readHeaders('response_headers', message.response_headers?.headers);
    const status = Number(headerValue(headers, ':status'));
    const body = message.response_headers?.end_of_stream === true ? NO_BODY : null;
    this.exchange.response = { code: Number.isInteger(status) ? status : 0, headers, body, trailers: null };
  }

  /**
   * Reads at most maxHeaders headers. Rules, redaction and the event each
   * walk the header list, so a message with 10,000 headers would stall the
   * event loop for tens of milliseconds; Envoy sends them in order, with
   * pseudo-headers first, so the skipped ones are the last.
   */
  private readHeaders(section: HeaderSection, map: HeaderMap | null | undefined): HeaderList {
    const limit = this.options.maxHeaders ?? Number.POSITIVE_INFINITY;
    const total = map?.pairs?.length ?? map?.headers?.length ?? 0;

    if (total > limit) {
      this.notes.push(`${section} carried ${total} headers; rules and the event saw only the first ${limit} (--max-headers)`);
      this.options.onHeadersSkipped?.(section);
    }
    return readHeaderMap(map, limit);
  }

  private receiveBody(kind: 'request_body' | 'response_body', direction: 'request' | 'response', body: HttpBody | null | undefined): ReceiveResult {
    const endOfStream = Boolean(body?.end_of_stream);
    const accumulator = this.bodies[direction];

    if (accumulator.append(body?.body, endOfStream)) {
      this.notes.push(`${direction} body longer than the body limit of ${this.options.bodyLimitBytes} bytes; rules and the event saw only the first ${this.options.bodyLimitBytes}`);
      this.options.onBodyTruncated?.(direction);
    }
    const facts = direction === 'request' ? this.ensureRequest() : this.ensureResponse();
    const previous = facts.body;
    facts.body = accumulator.capture();
    // The headers came before the first chunk, so later chunks take the codings read then.
    const encoding = previous === null ? contentEncoding(facts.headers, this.options.bodyLimitBytes) : previous.encoding;
    if (encoding !== undefined) {
      facts.body.encoding = encoding;
    }

    const mode = direction === 'request' ? this.requestBodyMode : this.responseBodyMode;
    const fullDuplex = mode === BodySendMode.FULL_DUPLEX_STREAMED;
    const phase = direction === 'request' ? Phase.RequestBody : Phase.ResponseBody;

    // Body rules need the whole body, so they run on the last chunk; a
    // BUFFERED body is one message with end_of_stream unless trailers follow.
    const bodyIsWhole = endOfStream || mode === BodySendMode.BUFFERED || mode === BodySendMode.BUFFERED_PARTIAL;
    if (!bodyIsWhole) {
      return this.replyWithout(kind, fullDuplex ? streamedBodyReply(kind, body?.body, false) : null);
    }
    return this.runAndReply(kind, phase, fullDuplex ? streamedBodyReply(kind, body?.body, endOfStream) : null);
  }

  private runAndReply(kind: RequestKind, phase: Phase, presetReply: Buffer | null, lastPhase: Phase = phase): ReceiveResult {
    this.rules.runPhase(phase, this.exchange, this.record, lastPhase);

    if (this.record.block) {
      return this.block();
    }

    const done = this.response.ended;
    if (done) {
      this.state = TransactionState.Completed;
    }
    if (this.observabilityMode) {
      return { kind: 'silent', done };
    }
    if (presetReply) {
      return { kind: 'reply', bytes: presetReply, done };
    }

    const mutation = this.takeMutation(kind);
    const modeOverride = kind === 'request_headers' ? this.chooseModeOverride() : null;
    return { kind: 'reply', bytes: phaseReply(kind, mutation, this.metadataIfChanged(), modeOverride), done };
  }

  /**
   * Returns the mode_override that turns off bodies no rule can still use,
   * or null. It needs the configured body modes from protocol_config,
   * because Envoy copies body modes from the override as they are.
   */
  private chooseModeOverride(): ProcessingMode | null {
    if (this.requestBodyMode === null || this.responseBodyMode === null || this.rules.bodyNeeds === undefined) {
      return null;
    }

    // The configured modes stay recorded: without allow_mode_override Envoy
    // ignores the override and sends the bodies as configured.
    const needs = this.rules.bodyNeeds(this.exchange, this.record);
    return modeOverrideFor(needs, { request: this.requestBodyMode, response: this.responseBodyMode });
  }

  private replyWithout(kind: RequestKind, presetReply: Buffer | null): ReceiveResult {
    if (this.observabilityMode) {
      return { kind: 'silent', done: false };
    }
    return { kind: 'reply', bytes: presetReply ?? phaseReply(kind, null, null), done: false };
  }

  private block(): ReceiveResult {
    const block = this.record.block!;

    if (this.observabilityMode) {
      // Envoy ignores every reply in observability mode, so the request goes on.
      this.notes.push(`block by rule ${block.rule} not applied: Envoy runs ext_proc in observability mode`);
      this.unappliedActions += 1;
      this.record.block = null;
      return { kind: 'silent', done: this.response.ended };
    }

    this.state = TransactionState.Blocked;
    this.exchange.response = { code: block.status, headers: [...block.headers], body: null, trailers: null };
    this.record.pendingHeaders.upstream.length = 0;
    this.record.pendingHeaders.downstream.length = 0;
    return { kind: 'reply', bytes: blockReply(block, this.metadataIfChanged()), done: true };
  }

  /**
   * Takes the header changes this reply can carry. Envoy applies header
   * mutations from headers replies, and from body replies only in the
   * BUFFERED modes, because it ignores them in STREAMED. A trailers reply
   * cannot change headers.
   */
  private takeMutation(kind: RequestKind) {
    const target: HeaderTarget | null = kind.startsWith('request_') ? 'upstream' : 'downstream';
    if (kind.endsWith('_trailers')) {
      return null;
    }
    if (kind.endsWith('_body')) {
      const mode = target === 'upstream' ? this.requestBodyMode : this.responseBodyMode;
      if (mode === BodySendMode.STREAMED || mode === BodySendMode.FULL_DUPLEX_STREAMED) {
        return null;
      }
    }

    const pending = this.record.pendingHeaders[target];
    if (pending.length === 0) {
      return null;
    }
    const mutation = toHeaderMutation(pending);
    const facts = target === 'upstream' ? this.exchange.request : this.exchange.response;
    if (facts) {
      // The event describes what the upstream and the client received.
      facts.headers = applyHeaderChanges(facts.headers, pending);
    }
    pending.length = 0;
    return mutation;
  }

  private noteUnapplied(target: HeaderTarget): void {
    const pending = this.record.pendingHeaders[target];
    for (const change of pending) {
      this.notes.push(`${change.op} of ${target} header ${change.name} by rule ${change.rule} decided too late to reach Envoy`);
    }
    this.unappliedActions += pending.length;
    pending.length = 0;
  }

  /**
   * Returns ctxproc's dynamic metadata when the decision changed since the last
   * reply, so Envoy's access log (and the replay client) can read it. It comes
   * encoded as ProcessingResponse.dynamic_metadata, which phaseReply appends.
   */
  private metadataIfChanged(): Buffer | null {
    const record = this.record;
    const logged = record.log !== null;
    const action = record.block ? 'blocked' : 'allowed';
    const ruleValues = redactedMetadata(this.exchange, record);
    const signature = `${logged}|${action}|${record.matched.length}|${JSON.stringify(ruleValues)}`;
    if (signature === this.metadataSignature) {
      return null;
    }
    this.metadataSignature = signature;

    // set_metadata values first: the keys ctxproc writes are reserved and win.
    const decision: Record<string, JsonValue> = {
      ...ruleValues,
      transaction_id: this.exchange.id,
      logged,
      action,
      rules_matched: record.matched.join(','),
      rules_version: this.options.rulesVersion,
    };
    if (record.log !== null) {
      decision.logged_by = record.log.rules.join(',');
    }
    if (record.block !== null) {
      decision.blocked_by = record.block.rule;
    }

    const namespaces: Record<string, JsonValue> = { [METADATA_NAMESPACE]: decision };
    if (logged) {
      namespaces[ACCESS_LOG_HINT_NAMESPACE] = ACCESS_LOG_HINT;
    }
    return encodeStructField(DYNAMIC_METADATA_FIELD, namespaces);
  }

  /** Lets the decoded body texts go once a message is handled; a later phase that reads a body decodes it again. */
  private forgetBodyViews(): void {
    const requestBody = this.exchange.request?.body;
    if (requestBody) {
      forgetBodyViews(requestBody);
    }
    const responseBody = this.exchange.response?.body;
    if (responseBody) {
      forgetBodyViews(responseBody);
    }
  }

  private readEndpoints(): void {
    const attributes = this.exchange.attributes;
    const source = endpointFromAttributes(attributes['source.address'], attributes['source.port']);
    if (source) {
      this.exchange.source = source;
    }
    const destination = endpointFromAttributes(attributes['destination.address'], attributes['destination.port']);
    if (destination) {
      this.exchange.destination = destination;
    }
  }

  private ensureRequest(): RequestFacts {
    this.exchange.request ??= requestFactsFromHeaders([]);
    return this.exchange.request;
  }

  private ensureResponse() {
    this.exchange.response ??= { code: 0, headers: [], body: null, trailers: null };
    return this.exchange.response;
  }

  private violation(code: ErrorCode, message: string): ReceiveResult {
    this.state = TransactionState.Failed;
    return { kind: 'violation', code, message };
  }
}
