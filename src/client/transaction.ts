// One HTTP transaction driven through ext_proc the way Envoy's filter chain
// drives it: request headers, body and trailers, then the upstream, then the
// response, each direction in the message order its processing mode gives.
//
// NOTE: bodies reach the filter only after the headers' reply, in
// bodyChunkSize pieces, and trailers after the body. Real traffic can
// interleave them (body bytes arriving while a headers reply is owed are
// held by Envoy and sent as one chunk), which this client does not play.
import { BodySendMode } from '../protocol/messages.js';
import { CallbackState, type DirectionState } from './direction-state.js';
import { FilterSession } from './filter-session.js';
import { HeaderMap } from './header-map.js';
import type { LocalResponse } from './local-reply.js';
import type { HeaderList, HttpRequestSpec, HttpResponseSpec, TransactionResult, Upstream } from './types.js';

const EMPTY = Buffer.alloc(0);

function splitChunks(body: Buffer, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    chunks.push(body.subarray(offset, offset + chunkSize));
  }
  return chunks;
}

/** Builds the request headers as Envoy stores them: pseudo-headers first, `host` folded into :authority. */
function requestHeaderMap(request: HttpRequestSpec): HeaderMap {
  const regular = request.headers
    .map(([name, value]): [string, string] => [name.toLowerCase(), value])
    .filter(([name]) => !name.startsWith(':') && name !== 'host');
  const host = request.headers.find(([name]) => name.toLowerCase() === 'host')?.[1];
  const authority = request.authority !== '' ? request.authority : (host ?? '');

  return new HeaderMap('request_headers', [
    [':method', request.method],
    [':scheme', request.scheme],
    [':authority', authority],
    [':path', request.path],
    ...regular,
  ]);
}

function responseHeaderMap(response: HttpResponseSpec): HeaderMap {
  const regular = response.headers
    .map(([name, value]): [string, string] => [name.toLowerCase(), value])
    .filter(([name]) => !name.startsWith(':'));
  return new HeaderMap('response_headers', [[':status', String(response.status)], ...regular]);
}

function trailerMap(kind: 'request_trailers' | 'response_trailers', trailers: HeaderList | undefined): HeaderMap | null {
  if (trailers === undefined || trailers.length === 0) {
    return null;
  }
  return new HeaderMap(kind, trailers.map(([name, value]) => [name.toLowerCase(), value]));
}

export class Transaction extends FilterSession {
  private upstreamRequest: HttpRequestSpec | null = null;
  private upstreamError: string | null = null;

  /** Plays the transaction; every failure ends up in the result, none is thrown. */
  async run(request: HttpRequestSpec, upstream: Upstream): Promise<TransactionResult> {
    try {
      this.decoding.headers = requestHeaderMap(request);
      const requestTrailers = trailerMap('request_trailers', request.trailers);
      await this.processDirection(this.decoding, request.body ?? EMPTY, requestTrailers);

      if (this.pendingLocalResponse === null) {
        const response = await this.callUpstream(upstream, this.buildUpstreamRequest());
        if (response !== null) {
          this.details = 'via_upstream';
          await this.processResponse(responseHeaderMap(response), response.body ?? EMPTY, response.trailers);
        }
      }

      // A local reply made before the response started goes through the
      // response path, so ext_proc processes it unless processing is complete.
      const local = this.pendingLocalResponse;
      if (local !== null && !this.responseStarted) {
        await this.processResponse(local.headers, local.body, undefined);
      }
    } finally {
      this.onDestroy();
    }

    await Promise.all(this.closeTasks);
    return this.buildResult();
  }

  private stopped(direction: DirectionState): boolean {
    return direction.isRequest ? this.pendingLocalResponse !== null : this.responseFinished;
  }

  private async processResponse(headers: HeaderMap, body: Buffer, trailers: HeaderList | undefined): Promise<void> {
    this.responseStarted = true;
    this.encoding.headers = headers;
    await this.processDirection(this.encoding, body, trailerMap('response_trailers', trailers));
  }

  private async processDirection(direction: DirectionState, body: Buffer, trailers: HeaderMap | null): Promise<void> {
    const hasBody = body.length > 0;
    direction.trailers = trailers;

    await this.onHeaders(direction, !hasBody && trailers === null);
    if (hasBody && !this.stopped(direction)) {
      await this.onBody(direction, body, trailers !== null);
    }
    if (trailers !== null && !this.stopped(direction)) {
      await this.onTrailers(direction, trailers);
    }
    if (direction.bodyMode === BodySendMode.FULL_DUPLEX_STREAMED && !this.stopped(direction)) {
      await this.waitWithIdleTimeout(
        () => !direction.headersPending && !direction.bodyPending && !direction.trailersPending,
      );
    }
  }

  // ---- headers -------------------------------------------------------------

  private async onHeaders(direction: DirectionState, endStream: boolean): Promise<void> {
    direction.noBody = endStream;
    direction.completeBodyAvailable = endStream;

    if (this.config.observabilityMode && direction.sendHeaders) {
      this.sendHeadersMessage(direction, endStream);
      direction.headersReleased = true;
      return;
    }

    // Envoy skips the response headers once processing is complete; on the
    // request side openStream() has the same effect.
    const sent = direction.sendHeaders && !this.processingComplete && this.openStream();
    if (sent) {
      direction.headersHeld = true;
      direction.headersPending = true;
      this.sendHeadersMessage(direction, endStream);
      direction.startCall(CallbackState.HeadersCallback, this.config.messageTimeoutMs, this.onMessageTimeoutBound);
    } else {
      direction.headersReleased = true;
    }

    // Envoy drops content-length right after sending the headers, by the
    // body mode configured at that moment.
    if (!this.processingComplete && direction.shouldRemoveContentLength()) {
      direction.headers.remove('content-length');
    }
    if (!direction.isRequest && direction.noExternalProcess()) {
      this.closeStreamMaybeGraceful();
    }

    if (sent && direction.bodyMode !== BodySendMode.FULL_DUPLEX_STREAMED) {
      await this.waitUntil(() => direction.callbackState !== CallbackState.HeadersCallback);
    }
  }

  private sendHeadersMessage(direction: DirectionState, endStream: boolean): void {
    if (!this.openStream()) {
      return;
    }
    const payload = { headers: direction.headers.toProto(), end_of_stream: endStream };
    const field = direction.isRequest ? 'request_headers' : 'response_headers';
    this.send(this.buildMessage(direction, { [field]: payload }));
  }

  // ---- body ----------------------------------------------------------------

  private async onBody(direction: DirectionState, body: Buffer, trailersFollow: boolean): Promise<void> {
    const chunks = splitChunks(body, this.config.bodyChunkSize);

    for (let index = 0; index < chunks.length; index += 1) {
      const chunk = chunks[index]!;
      const endStream = index === chunks.length - 1 && !trailersFollow;
      await this.onData(direction, chunk, endStream);
      if (this.stopped(direction)) {
        return;
      }
    }
  }

  /** Handles one body chunk as Envoy's Filter::onData does. */
  private async onData(direction: DirectionState, chunk: Buffer, endStream: boolean): Promise<void> {
    direction.bodyReceived = true;

    if (this.config.observabilityMode) {
      // Observability mode sends bodies in STREAMED mode only.
      if (direction.bodyMode === BodySendMode.STREAMED) {
        this.sendBodyMessage(direction, chunk, endStream);
      }
      direction.output.push(chunk);
      return;
    }

    if (endStream) {
      direction.completeBodyAvailable = true;
    }
    if (direction.bodyReplaced) {
      return;
    }
    if (this.processingComplete) {
      direction.output.push(chunk);
      return;
    }

    switch (direction.bodyMode) {
      case BodySendMode.BUFFERED:
        return this.onBufferedData(direction, chunk, endStream);
      case BodySendMode.STREAMED:
        return this.onStreamedData(direction, chunk, endStream);
      case BodySendMode.FULL_DUPLEX_STREAMED:
        this.onFullDuplexData(direction, chunk, endStream);
        return;
      case BodySendMode.BUFFERED_PARTIAL:
        return this.onPartialData(direction, chunk, endStream);
      default:
        direction.output.push(chunk);
        return;
    }
  }

  private async onBufferedData(direction: DirectionState, chunk: Buffer, endStream: boolean): Promise<void> {
    direction.buffered.push(chunk);
    if (direction.bufferedLength() > this.config.bufferLimitBytes) {
      this.onBufferLimitExceeded(direction);
      return;
    }
    if (endStream) {
      await this.sendBufferedBody(direction, true);
    }
  }

  private async sendBufferedBody(direction: DirectionState, endStream: boolean): Promise<void> {
    if (!this.openStream()) {
      return;
    }
    this.sendBodyMessage(direction, Buffer.concat(direction.buffered), endStream);
    direction.startCall(CallbackState.BufferedBodyCallback, this.config.messageTimeoutMs, this.onMessageTimeoutBound);
    await this.waitUntil(() => direction.callbackState === CallbackState.Idle);
  }

  /**
   * Envoy's buffer limit: 413 on the request path (a connection-manager
   * reply, which still passes through the response path), and on the
   * response path 500 while the headers are held, else a reset.
   */
  private onBufferLimitExceeded(direction: DirectionState): void {
    if (direction.isRequest) {
      this.sendLocalReply({ status: 413, body: Buffer.from('Payload Too Large'), details: 'request_payload_too_large' });
      return;
    }
    this.sendLocalReply({
      status: 500,
      body: Buffer.from('Internal Server Error'),
      details: 'response_payload_too_large',
    });
  }

  /** STREAMED: NOTE Envoy pipelines chunks; this client waits for each chunk's reply. */
  private async onStreamedData(direction: DirectionState, chunk: Buffer, endStream: boolean): Promise<void> {
    if (!this.openStream()) {
      direction.output.push(chunk);
      return;
    }
    this.sendBodyMessage(direction, chunk, endStream);
    direction.queue.push({ data: chunk, endStream });
    direction.startCall(CallbackState.StreamedBodyCallback, this.config.messageTimeoutMs, this.onMessageTimeoutBound);
    await this.waitUntil(() => direction.callbackState === CallbackState.Idle);
  }

  /** FULL_DUPLEX_STREAMED: the chunk goes out at once and only what the server streams back is forwarded. */
  private onFullDuplexData(direction: DirectionState, chunk: Buffer, endStream: boolean): void {
    if (!this.openStream()) {
      return;
    }
    this.sendBodyMessage(direction, chunk, endStream);
    direction.bodyPending = true;
    const state =
      direction.callbackState === CallbackState.HeadersCallback
        ? CallbackState.HeadersCallback
        : CallbackState.StreamedBodyCallback;
    direction.startCall(state, this.config.messageTimeoutMs, this.onMessageTimeoutBound);
  }

  /** BUFFERED_PARTIAL: queue until the end or until the queue is over the limit, then send it all once. */
  private async onPartialData(direction: DirectionState, chunk: Buffer, endStream: boolean): Promise<void> {
    if (direction.partialBodyProcessed) {
      direction.output.push(chunk);
      return;
    }
    direction.queue.push({ data: chunk, endStream });
    if (endStream || direction.queuedLength() > this.config.bufferLimitBytes) {
      await this.sendPartialBody(direction);
    }
  }

  private async sendPartialBody(direction: DirectionState): Promise<void> {
    if (!this.openStream()) {
      return;
    }
    const merged = direction.consolidateQueue();
    this.sendBodyMessage(direction, merged.data, merged.endStream);
    direction.startCall(
      CallbackState.BufferedPartialBodyCallback,
      this.config.messageTimeoutMs,
      this.onMessageTimeoutBound,
    );
    await this.waitUntil(() => direction.callbackState === CallbackState.Idle);
  }

  private sendBodyMessage(direction: DirectionState, body: Buffer, endStream: boolean): void {
    if (!this.openStream()) {
      return;
    }
    const field = direction.isRequest ? 'request_body' : 'response_body';
    this.send(this.buildMessage(direction, { [field]: { body, end_of_stream: endStream } }));
  }

  // ---- trailers ------------------------------------------------------------

  /** Trailers, handled as Envoy's Filter::onTrailers. */
  private async onTrailers(direction: DirectionState, trailers: HeaderMap): Promise<void> {
    if (this.processingComplete) {
      return;
    }
    if (this.config.observabilityMode) {
      if (direction.sendTrailers) {
        this.sendTrailersMessage(direction, trailers);
      }
      return;
    }

    const bodyDelivered = direction.completeBodyAvailable;
    direction.completeBodyAvailable = true;
    direction.trailersAvailable = true;

    // With trailers the body never ended with end_of_stream, so a BUFFERED or
    // BUFFERED_PARTIAL body still waiting goes now, with end_of_stream false.
    if (!bodyDelivered && direction.bodyMode === BodySendMode.BUFFERED && direction.buffered.length > 0) {
      await this.sendBufferedBody(direction, false);
    } else if (!bodyDelivered && direction.bodyMode === BodySendMode.BUFFERED_PARTIAL && direction.queue.length > 0) {
      await this.sendPartialBody(direction);
    }
    if (this.stopped(direction) || this.processingComplete || !direction.sendTrailers) {
      return;
    }
    if (!this.openStream() || direction.trailersSentToServer) {
      return;
    }

    this.sendTrailersMessage(direction, trailers);
    direction.trailersPending = true;
    const state =
      direction.callbackState === CallbackState.Idle ? CallbackState.TrailersCallback : direction.callbackState;
    direction.startCall(state, this.config.messageTimeoutMs, this.onMessageTimeoutBound);
    if (direction.bodyMode !== BodySendMode.FULL_DUPLEX_STREAMED) {
      await this.waitUntil(() => direction.callbackState === CallbackState.Idle);
    }
  }

  private sendTrailersMessage(direction: DirectionState, trailers: HeaderMap): void {
    if (!this.openStream()) {
      return;
    }
    direction.trailersSentToServer = true;
    const field = direction.isRequest ? 'request_trailers' : 'response_trailers';
    this.send(this.buildMessage(direction, { [field]: { trailers: trailers.toProto() } }));
  }

  // ---- upstream and result -------------------------------------------------

  private buildUpstreamRequest(): HttpRequestSpec {
    const headers = this.decoding.headers;
    const request: HttpRequestSpec = {
      method: headers.first(':method') ?? '',
      path: headers.first(':path') ?? '',
      scheme: headers.first(':scheme') ?? '',
      authority: headers.first(':authority') ?? '',
      headers: headers.regularHeaders(),
      body: this.decoding.body(),
    };
    if (this.decoding.trailers !== null) {
      request.trailers = this.decoding.trailers.list();
    }
    return request;
  }

  /**
   * Calls the upstream unless a local reply overtakes it (a spurious reply,
   * immediate_response or gRPC error while the upstream works). A throwing
   * upstream plays a reset before response headers, for which Envoy's router
   * sends a 503.
   */
  private async callUpstream(upstream: Upstream, request: HttpRequestSpec): Promise<HttpResponseSpec | null> {
    this.upstreamRequest = request;
    const call = Promise.resolve().then(() => upstream(request));
    call.catch(() => {});

    type Outcome = { response: HttpResponseSpec } | { error: unknown } | { overtaken: true };
    const outcome: Outcome = await Promise.race([
      call.then(
        (response): Outcome => ({ response }),
        (error: unknown): Outcome => ({ error }),
      ),
      this.localReplySignal.then((): Outcome => ({ overtaken: true })),
    ]);

    if ('response' in outcome) {
      return outcome.response;
    }
    if ('error' in outcome) {
      this.upstreamError = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      this.sendLocalReply({
        status: 503,
        body: Buffer.from('upstream connect error or disconnect/reset before headers. reset reason: remote reset'),
        details: 'upstream_reset_before_response_started{remote_reset}',
      });
    }
    return null;
  }

  private downstreamResponse(): HttpResponseSpec {
    const local: LocalResponse | null = this.directResponse;
    const headers = local?.headers ?? this.encoding.headers;
    const response: HttpResponseSpec = {
      status: Number(headers.first(':status') ?? 0),
      headers: headers.regularHeaders(),
      body: local !== null ? local.body : this.encoding.body(),
    };
    if (local === null && this.encoding.trailers !== null) {
      response.trailers = this.encoding.trailers.list();
    }
    return response;
  }

  private buildResult(): TransactionResult {
    return {
      upstreamRequest: this.upstreamRequest,
      downstreamResponse: this.downstreamResponse(),
      localReply: this.localReply,
      downstreamReset: this.downstreamReset,
      responseCodeDetails: this.details,
      protocolErrors: [...this.protocolErrors],
      timedOut: this.timedOut,
      grpcStatus: this.grpcStatus,
      dynamicMetadata: { ...this.dynamicMetadata },
      rejectedHeaderMutations: this.rejectedHeaderMutations,
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      streamEnd: this.streamEnd,
      upstreamError: this.upstreamError,
    };
  }
}
