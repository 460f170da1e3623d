// The state of one direction (request or response) of a transaction, and how
// a reply for that direction changes it. It plays Envoy's ProcessorState:
// the same callback states decide whether a reply is expected or spurious.
import { BodySendMode, ResponseStatus } from '../protocol/messages.js';
import type { BodyResponse, CommonResponse, HeadersResponse, TrailersResponse } from '../protocol/messages.js';
import { applyBodyMutation, applyHeaderMutation, mutatedBodyLength, type MutationContext } from './apply-mutations.js';
import type { HeaderMap } from './header-map.js';
import type { DirectionMode } from './processing-mode.js';

/** The reply a direction waits for, as Envoy's ProcessorState::CallbackState. */
export enum CallbackState {
  /** Waiting for nothing: any reply for this direction is spurious. */
  Idle = 'idle',
  /** Waiting for the headers reply. */
  HeadersCallback = 'headers',
  /** Waiting for the reply to the one BUFFERED body message. */
  BufferedBodyCallback = 'buffered_body',
  /** Waiting for replies to STREAMED or FULL_DUPLEX_STREAMED body chunks. */
  StreamedBodyCallback = 'streamed_body',
  /** Waiting for the reply to the BUFFERED_PARTIAL body message. */
  BufferedPartialBodyCallback = 'buffered_partial_body',
  /** Waiting for the trailers reply. */
  TrailersCallback = 'trailers',
}

/** Outcome of handling one reply. Envoy handles spurious replies and processing errors differently. */
export type ReplyStatus = { ok: true } | { ok: false; spurious: boolean; message: string };

const OK: ReplyStatus = { ok: true };

function spurious(message: string): ReplyStatus {
  return { ok: false, spurious: true, message };
}

function processingError(message: string): ReplyStatus {
  return { ok: false, spurious: false, message };
}

/** Services the reply handlers need from the transaction. */
export interface ReplyEnvironment {
  mutationContext(overrides: Partial<MutationContext>): MutationContext;
  countRejected(count: number): void;
}

interface QueuedChunk {
  data: Buffer;
  endStream: boolean;
}

export class DirectionState {
  readonly isRequest: boolean;
  sendHeaders = true;
  bodyMode: number = BodySendMode.NONE;
  sendTrailers = false;
  callbackState = CallbackState.Idle;

  /** The message's headers, pseudo-headers included; mutations apply here. */
  headers: HeaderMap;
  /** Envoy's headers_ pointer: header mutations in body replies apply only while it is set. */
  headersHeld = false;
  /** False while Envoy keeps the headers back waiting for a body reply. */
  headersReleased = false;
  trailers: HeaderMap | null = null;
  trailersAvailable = false;
  trailersSentToServer = false;

  noBody = false;
  completeBodyAvailable = false;
  bodyReceived = false;
  bodyReplaced = false;
  partialBodyProcessed = false;
  attributesSent = false;

  /** Body bytes held by Envoy's buffer (BUFFERED, or a CONTINUE_AND_REPLACE body). */
  buffered: Buffer[] = [];
  /** Chunks sent and waiting for their replies (STREAMED, BUFFERED_PARTIAL). */
  queue: QueuedChunk[] = [];
  /** Body bytes that went past the filter, in order. */
  output: Buffer[] = [];

  /** FULL_DUPLEX_STREAMED bookkeeping: replies still owed by the server. */
  headersPending = false;
  bodyPending = false;
  trailersPending = false;

  private timer: NodeJS.Timeout | null = null;
  private newTimeoutReceived = false;

  constructor(isRequest: boolean, headers: HeaderMap, mode: DirectionMode) {
    this.isRequest = isRequest;
    this.headers = headers;
    this.setMode(mode);
  }

  setMode(mode: DirectionMode): void {
    this.sendHeaders = mode.sendHeaders;
    this.bodyMode = mode.bodyMode;
    this.sendTrailers = mode.sendTrailers;
  }

  /**
   * Envoy drops content-length in the modes where it cannot keep it right
   * after a body mutation: STREAMED, FULL_DUPLEX_STREAMED, BUFFERED_PARTIAL,
   * and BUFFERED with the headers skipped.
   */
  shouldRemoveContentLength(): boolean {
    return (
      this.bodyMode === BodySendMode.STREAMED ||
      this.bodyMode === BodySendMode.FULL_DUPLEX_STREAMED ||
      this.bodyMode === BodySendMode.BUFFERED_PARTIAL ||
      (this.bodyMode === BodySendMode.BUFFERED && !this.sendHeaders)
    );
  }

  noExternalProcess(): boolean {
    return !this.sendHeaders && !this.sendTrailers && this.bodyMode === BodySendMode.NONE;
  }

  bufferedLength(): number {
    return this.buffered.reduce((total, chunk) => total + chunk.length, 0);
  }

  queuedLength(): number {
    return this.queue.reduce((total, chunk) => total + chunk.data.length, 0);
  }

  /** Returns the body as it leaves the filter: what passed, then what Envoy still buffers. */
  body(): Buffer {
    return Buffer.concat([...this.output, ...this.buffered]);
  }

  /** Merges the queued chunks into one, as Envoy's ChunkQueue::consolidate. */
  consolidateQueue(): QueuedChunk {
    const last = this.queue[this.queue.length - 1];
    const merged = { data: Buffer.concat(this.queue.map((chunk) => chunk.data)), endStream: last?.endStream ?? false };
    this.queue = [merged];
    return merged;
  }

  /** Starts waiting for a reply; FULL_DUPLEX_STREAMED has no message timer. */
  startCall(state: CallbackState, timeoutMs: number, onTimeout: () => void): void {
    this.callbackState = state;
    if (this.bodyMode !== BodySendMode.FULL_DUPLEX_STREAMED) {
      this.stopTimer();
      this.timer = setTimeout(onTimeout, timeoutMs);
    }
    this.newTimeoutReceived = false;
  }

  finishCall(next: CallbackState = CallbackState.Idle): void {
    this.stopTimer();
    this.callbackState = next;
    this.newTimeoutReceived = false;
  }

  stopTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** override_message_timeout: honoured once per wait, and only while a timer runs. */
  restartTimer(timeoutMs: number, onTimeout: () => void): boolean {
    if (this.timer === null || this.newTimeoutReceived) {
      return false;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(onTimeout, timeoutMs);
    this.newTimeoutReceived = true;
    return true;
  }

  /** Stops waiting and lets everything queued pass unmodified, as Envoy's clearAsyncState. */
  clearAsyncState(): void {
    this.finishCall();
    for (const chunk of this.queue) {
      this.output.push(chunk.data);
    }
    this.queue = [];
    this.headersReleased = true;
  }

  handleHeadersResponse(response: HeadersResponse, environment: ReplyEnvironment): ReplyStatus {
    if (this.callbackState !== CallbackState.HeadersCallback) {
      return spurious('spurious message');
    }

    const common: CommonResponse = response.response ?? {};
    const replacing = common.status === ResponseStatus.CONTINUE_AND_REPLACE;
    if (common.header_mutation) {
      const outcome = applyHeaderMutation(
        common.header_mutation,
        this.headers,
        environment.mutationContext({ replacingMessage: replacing, removeContentLength: this.shouldRemoveContentLength() }),
      );
      environment.countRejected(outcome.rejected);
      if (outcome.error !== null) {
        return processingError(outcome.error);
      }
    }

    this.headersPending = false;
    this.finishCall(this.stateAfterHeadersReply(replacing));
    if (replacing) {
      this.continueAndReplace(common);
      return OK;
    }

    // Envoy keeps the headers back until the body reply in BUFFERED and
    // BUFFERED_PARTIAL modes. In every other case they go on now.
    const bodyHoldsHeaders = this.bodyMode === BodySendMode.BUFFERED || this.bodyMode === BodySendMode.BUFFERED_PARTIAL;
    if (this.noBody || !bodyHoldsHeaders) {
      this.headersReleased = true;
    }
    if (this.noBody || this.bodyMode === BodySendMode.NONE) {
      this.headersHeld = false;
    }
    return OK;
  }

  private stateAfterHeadersReply(replacing: boolean): CallbackState {
    if (replacing || this.bodyMode !== BodySendMode.FULL_DUPLEX_STREAMED) {
      return CallbackState.Idle;
    }
    if (this.bodyReceived) {
      return CallbackState.StreamedBodyCallback;
    }
    return this.trailersAvailable ? CallbackState.TrailersCallback : CallbackState.Idle;
  }

  /**
   * CONTINUE_AND_REPLACE: a body_mutation replaces the body and drops
   * content-length, and this direction then sends no body or trailers.
   * Without a body_mutation the original body passes unchanged.
   */
  private continueAndReplace(common: CommonResponse): void {
    if (common.body_mutation) {
      this.headers.remove('content-length');
      this.bodyReplaced = true;
      this.buffered = [applyBodyMutation(common.body_mutation, Buffer.concat(this.buffered))];
    }

    this.bodyMode = BodySendMode.NONE;
    this.sendTrailers = false;
    this.headersHeld = false;
    this.headersReleased = true;
  }

  handleBodyResponse(response: BodyResponse, environment: ReplyEnvironment): ReplyStatus {
    const common: CommonResponse = response.response ?? {};
    let status: ReplyStatus;

    switch (this.callbackState) {
      case CallbackState.BufferedBodyCallback:
        status = this.handleBufferedBody(common, environment);
        break;
      case CallbackState.StreamedBodyCallback:
        status = this.handleStreamedBody(common);
        break;
      case CallbackState.BufferedPartialBodyCallback:
        status = this.handlePartialBody(common, environment);
        break;
      default:
        return spurious('spurious message');
    }

    if (status.ok) {
      this.headersHeld = false;
    }
    return status;
  }

  private applyHeldHeaderMutation(common: CommonResponse, environment: ReplyEnvironment): ReplyStatus {
    if (!common.header_mutation || !this.headersHeld) {
      return OK;
    }
    const outcome = applyHeaderMutation(
      common.header_mutation,
      this.headers,
      environment.mutationContext({ removeContentLength: this.shouldRemoveContentLength() }),
    );
    environment.countRejected(outcome.rejected);
    return outcome.error === null ? OK : processingError(outcome.error);
  }

  /** BUFFERED: header mutations apply to the held headers, then content-length must match the new body. */
  private handleBufferedBody(common: CommonResponse, environment: ReplyEnvironment): ReplyStatus {
    const headerStatus = this.applyHeldHeaderMutation(common, environment);
    if (!headerStatus.ok) {
      return headerStatus;
    }

    if (common.body_mutation) {
      const contentLength = this.headersHeld ? this.headers.first('content-length') : undefined;
      if (contentLength !== undefined && /^\d+$/.test(contentLength.trim())) {
        if (Number(contentLength.trim()) !== mutatedBodyLength(common.body_mutation)) {
          return processingError('mismatch between content length and the length of the mutated body');
        }
      }
      this.buffered = [applyBodyMutation(common.body_mutation, Buffer.concat(this.buffered))];
    }

    this.finishCall();
    this.headersReleased = true;
    return OK;
  }

  /** STREAMED and FULL_DUPLEX_STREAMED chunks; header mutations in these replies are ignored. */
  private handleStreamedBody(common: CommonResponse): ReplyStatus {
    const mutation = common.body_mutation;
    const isStreamedResponse = mutation?.mutation === 'streamed_response';

    if (isStreamedResponse && this.bodyMode !== BodySendMode.FULL_DUPLEX_STREAMED) {
      return spurious('spurious message: streamed_response is received while body_mode_ is not FULL_DUPLEX_STREAMED');
    }
    if (!isStreamedResponse && this.bodyMode === BodySendMode.FULL_DUPLEX_STREAMED) {
      return spurious(
        'spurious message: Normal body mutation response is received while body_mode_ is FULL_DUPLEX_STREAMED',
      );
    }

    if (isStreamedResponse) {
      const streamed = mutation.streamed_response ?? {};
      if ((streamed.body?.length ?? 0) > 0) {
        this.output.push(Buffer.from(streamed.body!));
      }
      const ended = streamed.end_of_stream === true;
      if (ended) {
        this.bodyPending = false;
      }
      this.finishCall(ended ? CallbackState.Idle : CallbackState.StreamedBodyCallback);
      return OK;
    }

    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.output.push(mutation ? applyBodyMutation(mutation, chunk.data) : chunk.data);
    }
    this.finishCall(this.queue.length === 0 ? CallbackState.Idle : CallbackState.StreamedBodyCallback);
    return OK;
  }

  /** BUFFERED_PARTIAL: the reply applies to the part sent; anything queued after it passes unchanged. */
  private handlePartialBody(common: CommonResponse, environment: ReplyEnvironment): ReplyStatus {
    const headerStatus = this.applyHeldHeaderMutation(common, environment);
    if (!headerStatus.ok) {
      return headerStatus;
    }

    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.output.push(common.body_mutation ? applyBodyMutation(common.body_mutation, chunk.data) : chunk.data);
    }
    for (const leftover of this.queue) {
      this.output.push(leftover.data);
    }
    this.queue = [];

    this.finishCall();
    this.partialBodyProcessed = true;
    this.headersReleased = true;
    return OK;
  }

  /** Trailers replies; in FULL_DUPLEX_STREAMED Envoy takes them even while body replies are owed. */
  handleTrailersResponse(response: TrailersResponse, environment: ReplyEnvironment): ReplyStatus {
    const accepted =
      this.callbackState === CallbackState.TrailersCallback || this.bodyMode === BodySendMode.FULL_DUPLEX_STREAMED;
    if (!accepted) {
      return spurious('spurious message');
    }

    if (response.header_mutation && this.trailers !== null) {
      const outcome = applyHeaderMutation(response.header_mutation, this.trailers, environment.mutationContext({}));
      environment.countRejected(outcome.rejected);
      if (outcome.error !== null) {
        return processingError(outcome.error);
      }
    }

    this.trailersPending = false;
    this.finishCall();
    return OK;
  }
}
