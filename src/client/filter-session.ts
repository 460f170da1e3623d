// The event side of one transaction, as Envoy's ext_proc Filter handles it:
// the Process stream, replies and their checks, gRPC errors, message
// timeouts, closing, and local replies. The HTTP flow that drives it is in
// transaction.ts.
import { BodySendMode } from '../protocol/messages.js';
import type { ProcessingRequest, ProcessingResponse } from '../protocol/messages.js';
import type { JsonValue } from '../protocol/struct.js';
import type { MutationContext } from './apply-mutations.js';
import { applyHeaderMutation } from './apply-mutations.js';
import type { ClientConfig } from './client-config.js';
import { CallbackState, DirectionState, type ReplyEnvironment, type ReplyStatus } from './direction-state.js';
import { HeaderMap } from './header-map.js';
import { buildLocalResponse, replaceWhitespace, type LocalReplySpec, type LocalResponse } from './local-reply.js';
import {
  effectiveModeOverride,
  isOverrideAllowed,
  requestDirectionMode,
  responseDirectionMode,
} from './processing-mode.js';
import { ProcessStream, type ChannelPool } from './process-stream.js';
import { isLastBodyResponse, isLastNeededReply, mergeDynamicMetadata } from './reply-rules.js';
import type { GrpcStatusInfo, StreamEndInfo } from './types.js';

const FILTER_NAME = 'envoy.filters.http.ext_proc';
const GRPC_OK = 0;

/** Keeps observability-mode streams open after their transaction, as Envoy's deferred close. */
export interface DeferredCloser {
  defer(close: () => void, delayMs: number): void;
}

export class FilterSession implements ReplyEnvironment {
  protected readonly config: ClientConfig;
  protected readonly decoding: DirectionState;
  protected readonly encoding: DirectionState;

  /** Envoy's processing_complete_: no more messages go to the server, replies are dropped. */
  protected processingComplete = false;
  /** A local reply that has not been through the response path yet. */
  protected pendingLocalResponse: LocalResponse | null = null;
  /** Response headers reached the filter chain (Envoy's "response started"). */
  protected responseStarted = false;
  /** The downstream got a direct local reply or a reset; the response path stops. */
  protected responseFinished = false;
  protected directResponse: LocalResponse | null = null;
  protected localReply = false;
  protected downstreamReset = false;
  protected details = '';

  protected readonly protocolErrors: string[] = [];
  protected timedOut = false;
  protected grpcStatus: GrpcStatusInfo | null = null;
  protected readonly dynamicMetadata: Record<string, JsonValue> = {};
  protected rejectedHeaderMutations = 0;
  protected messagesSent = 0;
  protected messagesReceived = 0;
  protected streamEnd: StreamEndInfo = { how: 'not_opened', status: null, waitMs: 0 };
  protected readonly closeTasks: Array<Promise<void>> = [];

  private readonly pool: ChannelPool;
  private readonly deferredCloser: DeferredCloser;
  private stream: ProcessStream | null = null;
  private protocolConfigSent = false;
  private waiters: Array<() => void> = [];
  private idleTimer: NodeJS.Timeout | null = null;
  private signalLocalReply!: () => void;
  protected readonly localReplySignal = new Promise<void>((resolve) => {
    this.signalLocalReply = resolve;
  });

  constructor(config: ClientConfig, pool: ChannelPool, deferredCloser: DeferredCloser) {
    this.config = config;
    this.pool = pool;
    this.deferredCloser = deferredCloser;
    this.decoding = new DirectionState(true, new HeaderMap('request_headers'), requestDirectionMode(config.processingMode));
    this.encoding = new DirectionState(false, new HeaderMap('response_headers'), responseDirectionMode(config.processingMode));
  }

  mutationContext(overrides: Partial<MutationContext>): MutationContext {
    return {
      checker: this.config.checker,
      maxHeadersCount: this.config.maxHeadersCount,
      maxHeadersKb: this.config.maxHeadersKb,
      ...overrides,
    };
  }

  countRejected(count: number): void {
    this.rejectedHeaderMutations += count;
  }

  // ---- waiting -------------------------------------------------------------

  /** Resolves on the next reply, status, timeout or local reply. */
  private nextEvent(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  protected notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }

  /** Waits until `done` returns true or processing is complete. Only events (replies, statuses, timers) wake it. */
  protected async waitUntil(done: () => boolean): Promise<void> {
    while (!done() && !this.processingComplete) {
      await this.nextEvent();
    }
  }

  /**
   * Waits without a message timer (FULL_DUPLEX_STREAMED replies). The
   * connection manager's stream idle timeout bounds the wait; every reply
   * counts as activity and restarts it.
   */
  protected async waitWithIdleTimeout(done: () => boolean): Promise<void> {
    this.idleTimer = setTimeout(() => this.onStreamIdleTimeout(), this.config.streamIdleTimeoutMs);
    try {
      await this.waitUntil(done);
    } finally {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
  }

  // ---- sending -------------------------------------------------------------

  /** Opens the stream on first use; false once processing is complete (Envoy's IgnoreError). */
  protected openStream(): boolean {
    if (this.processingComplete) {
      return false;
    }
    if (this.stream === null) {
      this.stream = new ProcessStream(this.pool.pick(), {
        onMessage: (response) => this.onReceiveMessage(response),
        onServerStatus: (status) => this.onServerStatus(status),
      });
    }
    return true;
  }

  /** Adds what every message carries: metadata, first-message attributes and protocol_config. */
  protected buildMessage(direction: DirectionState, payload: ProcessingRequest): ProcessingRequest {
    const message: ProcessingRequest = { ...payload, metadata_context: this.config.metadataContext };
    if (this.config.observabilityMode) {
      message.observability_mode = true;
    }

    const attributes = direction.isRequest ? this.config.requestAttributes : this.config.responseAttributes;
    if (attributes !== null && !direction.attributesSent) {
      message.attributes = { [FILTER_NAME]: attributes };
      direction.attributesSent = true;
    }

    if (!this.protocolConfigSent && !this.config.observabilityMode && this.config.sendProtocolConfig) {
      message.protocol_config = {
        request_body_mode: this.decoding.bodyMode,
        response_body_mode: this.encoding.bodyMode,
        send_body_without_waiting_for_header_response: false,
      };
      this.protocolConfigSent = true;
    }
    return message;
  }

  protected send(message: ProcessingRequest): void {
    this.stream?.send(message);
    this.messagesSent += 1;
  }

  protected readonly onMessageTimeoutBound = (): void => this.onMessageTimeout();

  // ---- replies -------------------------------------------------------------

  private onReceiveMessage(response: ProcessingResponse): void {
    this.messagesReceived += 1;
    if (this.idleTimer !== null) {
      this.idleTimer.refresh();
    }

    // Envoy ignores every reply in observability mode, and drops replies
    // that arrive after processing is complete.
    if (this.config.observabilityMode || this.processingComplete) {
      return;
    }

    // A timeout extension is a message of its own: every other field is ignored.
    if (response.override_message_timeout) {
      this.onNewTimeout(response.override_message_timeout);
      return;
    }

    this.applyModeOverride(response);
    const isLastBody = isLastBodyResponse(response, this.decoding, this.encoding);
    const status = this.dispatchReply(response);
    this.finishReply(response, status);
    this.closeStreamIfLastReply(response, isLastBody);
    this.notify();
  }

  private dispatchReply(response: ProcessingResponse): ReplyStatus {
    switch (response.response) {
      case 'request_headers':
        this.setDynamicMetadata(response);
        return this.decoding.handleHeadersResponse(response.request_headers ?? {}, this);
      case 'response_headers':
        this.setDynamicMetadata(response);
        return this.encoding.handleHeadersResponse(response.response_headers ?? {}, this);
      case 'request_body':
        this.setDynamicMetadata(response);
        return this.decoding.handleBodyResponse(response.request_body ?? {}, this);
      case 'response_body':
        this.setDynamicMetadata(response);
        return this.encoding.handleBodyResponse(response.response_body ?? {}, this);
      case 'request_trailers':
        this.setDynamicMetadata(response);
        return this.decoding.handleTrailersResponse(response.request_trailers ?? {}, this);
      case 'response_trailers':
        this.setDynamicMetadata(response);
        return this.encoding.handleTrailersResponse(response.response_trailers ?? {}, this);
      case 'immediate_response':
        this.setDynamicMetadata(response);
        this.handleImmediateResponse(response);
        return { ok: true };
      default:
        // NOTE: Envoy 1.37 and later accept streamed_immediate_response in
        // reply to request headers; this client treats it as unhandled, as
        // earlier releases do.
        return { ok: false, spurious: true, message: 'unhandled message' };
    }
  }

  private finishReply(response: ProcessingResponse, status: ReplyStatus): void {
    if (status.ok) {
      return;
    }

    const kind = response.response ?? 'empty';
    if (!status.spurious) {
      this.protocolErrors.push(`${kind} reply rejected: ${status.message}`);
      this.handleErrorResponse(status.message);
      return;
    }

    this.protocolErrors.push(`spurious ${kind} reply: ${status.message}`);
    if (this.failureModeAllow()) {
      // Fail-open: ignore the server for the rest of the transaction.
      this.closeStream();
      this.clearAsyncState();
      this.processingComplete = true;
      return;
    }
    this.handleErrorResponse(status.message);
  }

  /**
   * mode_override counts only with allow_mode_override, while a headers
   * reply is owed, and when neither configured body mode is
   * FULL_DUPLEX_STREAMED. It changes both directions before the reply itself
   * is handled.
   */
  private applyModeOverride(response: ProcessingResponse): void {
    const configured = this.config.processingMode;
    const eligible =
      this.config.allowModeOverride &&
      configured.request_body_mode !== BodySendMode.FULL_DUPLEX_STREAMED &&
      configured.response_body_mode !== BodySendMode.FULL_DUPLEX_STREAMED &&
      (this.decoding.callbackState === CallbackState.HeadersCallback ||
        this.encoding.callbackState === CallbackState.HeadersCallback);
    if (!eligible || !response.mode_override) {
      return;
    }

    const merged = effectiveModeOverride(response.mode_override, configured);
    if (!isOverrideAllowed(merged, this.config.allowedOverrideModes)) {
      return;
    }
    this.decoding.setMode(requestDirectionMode(merged));
    this.encoding.setMode(responseDirectionMode(merged));
  }

  /** Closes the stream when Envoy needs no more replies after this one. */
  private closeStreamIfLastReply(response: ProcessingResponse, isLastBody: boolean): void {
    if (this.stream !== null && isLastNeededReply(response, isLastBody, this.decoding, this.encoding)) {
      this.closeStreamMaybeGraceful();
    }
  }

  private setDynamicMetadata(response: ProcessingResponse): void {
    mergeDynamicMetadata(this.dynamicMetadata, response, this.config.receivingNamespaces);
  }

  private onNewTimeout(duration: { seconds?: number | string; nanos?: number }): void {
    const milliseconds = Number(duration.seconds ?? 0) * 1000 + Math.floor((duration.nanos ?? 0) / 1_000_000);
    if (milliseconds < 1 || milliseconds > this.config.maxMessageTimeoutMs) {
      return;
    }
    if (!this.decoding.restartTimer(milliseconds, this.onMessageTimeoutBound)) {
      this.encoding.restartTimer(milliseconds, this.onMessageTimeoutBound);
    }
  }

  // ---- failures ------------------------------------------------------------

  /** FULL_DUPLEX_STREAMED turns fail-open off once body bytes went to the server. */
  protected failureModeAllow(): boolean {
    const duplexBodySent = (direction: DirectionState): boolean =>
      direction.bodyMode === BodySendMode.FULL_DUPLEX_STREAMED && direction.bodyReceived;
    if (duplexBodySent(this.decoding) || duplexBodySent(this.encoding)) {
      return false;
    }
    return this.config.failureModeAllow;
  }

  /** Envoy's clearAsyncState: stop waiting in both directions and let data through unmodified. */
  protected clearAsyncState(): void {
    this.decoding.clearAsyncState();
    this.encoding.clearAsyncState();
    this.notify();
  }

  private finishCalls(): void {
    this.decoding.finishCall();
    this.encoding.finishCall();
  }

  /** Processing errors fail the request even with failure_mode_allow. */
  private handleErrorResponse(message: string): void {
    this.processingComplete = true;
    this.finishCalls();
    this.closeStream();
    this.sendLocalReply({ status: this.config.statusOnError, body: Buffer.alloc(0), details: message });
  }

  private handleImmediateResponse(response: ProcessingResponse): void {
    const immediate = response.immediate_response ?? {};
    this.processingComplete = true;
    this.finishCalls();
    this.closeStreamMaybeGraceful();

    // A missing status or one below 200 becomes 200. Header changes use the
    // filter's own rules and a failure is only logged by Envoy.
    let status = immediate.status ? immediate.status.code : 200;
    if (!(status >= 200)) {
      status = 200;
    }
    const mutation = immediate.headers;
    const mutateHeaders = (headers: HeaderMap): void => {
      if (!mutation) {
        return;
      }
      const outcome = applyHeaderMutation(mutation, headers, this.mutationContext({}));
      this.countRejected(outcome.rejected);
      if (outcome.error !== null) {
        this.protocolErrors.push(`immediate_response header mutation failed: ${outcome.error}`);
      }
    };

    this.sendLocalReply({
      status,
      body: Buffer.from(immediate.body ?? Buffer.alloc(0)),
      details: immediate.details ?? '',
      mutateHeaders,
    });
  }

  private onServerStatus(status: GrpcStatusInfo): void {
    this.grpcStatus = status;
    this.streamEnd = { how: 'server', status, waitMs: 0 };
    this.stream = null;

    if (status.code === GRPC_OK) {
      this.onGrpcClose();
    } else {
      this.onGrpcError(status);
    }
    this.notify();
  }

  private onGrpcError(status: GrpcStatusInfo): void {
    if (this.processingComplete) {
      return;
    }
    if (this.failureModeAllow()) {
      this.onGrpcClose();
      return;
    }

    this.processingComplete = true;
    this.finishCalls();
    this.sendLocalReply({
      status: this.config.statusOnError,
      body: Buffer.alloc(0),
      details: `ext_proc_error_gRPC_error_${status.code}{${status.details}}`,
    });
  }

  /** Handles the server ending the call with OK: stop calling it and continue unmodified. */
  private onGrpcClose(): void {
    if (this.processingComplete) {
      return;
    }
    this.processingComplete = true;
    this.closeStream();
    this.clearAsyncState();
  }

  private onMessageTimeout(): void {
    this.timedOut = true;
    this.processingComplete = true;
    this.closeStream();

    if (this.failureModeAllow()) {
      this.clearAsyncState();
      return;
    }
    this.finishCalls();
    this.sendLocalReply({
      status: 504,
      body: Buffer.alloc(0),
      details: 'ext_proc_error_per-message_timeout_exceeded',
    });
    this.notify();
  }

  private onStreamIdleTimeout(): void {
    // NOTE: in Envoy this 408 also passes through ext_proc's response path;
    // this client ends processing first and sends it straight down.
    this.processingComplete = true;
    this.finishCalls();
    this.closeStream();
    this.sendLocalReply({ status: 408, body: Buffer.from('stream timeout'), details: 'stream_idle_timeout' });
    this.notify();
  }

  // ---- closing -------------------------------------------------------------

  /** Resets the stream: errors, timeouts and spurious replies always end it this way. */
  protected closeStream(): void {
    if (this.stream === null) {
      return;
    }
    this.streamEnd = this.stream.reset();
    this.stream = null;
  }

  /** Ends the stream after the last needed reply: reset, or half-close in graceful mode. */
  protected closeStreamMaybeGraceful(): void {
    this.processingComplete = true;
    if (this.stream === null) {
      return;
    }
    if (this.config.closeMode === 'reset') {
      this.closeStream();
      return;
    }

    const stream = this.stream;
    this.stream = null;
    this.streamEnd = { how: 'half_close', status: null, waitMs: 0 };
    this.closeTasks.push(
      stream.halfClose(this.config.remoteCloseTimeoutMs).then((end) => {
        this.streamEnd = end;
      }),
    );
  }

  /** Envoy's onDestroy: stop the timers and end the stream, later in observability mode. */
  protected onDestroy(): void {
    this.processingComplete = true;
    this.decoding.stopTimer();
    this.encoding.stopTimer();

    if (!this.config.observabilityMode) {
      this.closeStreamMaybeGraceful();
      return;
    }
    const stream = this.stream;
    this.stream = null;
    if (stream !== null) {
      this.streamEnd = { how: 'reset', status: null, waitMs: 0 };
      this.deferredCloser.defer(() => stream.reset(), this.config.deferredCloseTimeoutMs);
    }
  }

  // ---- local replies -------------------------------------------------------

  /**
   * Sends a response made by Envoy itself. Before the response started, the
   * reply goes through the response path. After that, it replaces response
   * headers still held back, or resets the stream when they already went down.
   */
  protected sendLocalReply(spec: LocalReplySpec): void {
    this.localReply = true;
    this.details = replaceWhitespace(spec.details);
    const response = buildLocalResponse(spec);

    if (!this.responseStarted) {
      this.pendingLocalResponse = response;
    } else if (!this.encoding.headersReleased) {
      this.directResponse = response;
      this.responseFinished = true;
    } else {
      this.downstreamReset = true;
      this.responseFinished = true;
    }
    this.signalLocalReply();
    this.notify();
  }
}
