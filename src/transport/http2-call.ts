// One ExternalProcessor/Process call on the lean transport. It has the
// events and methods of a grpc-js ServerDuplexStream that the stream handler
// uses: 'data' per message, 'end' on half-close and 'cancelled' on reset,
// write() and end(), pause(), resume() and 'drain' for flow control, and
// emit('error', status) to end the call with a status.
// Envoy opens a stream per HTTP request, so the call keeps one listener per
// event in a field instead of an EventEmitter, and the stream's listeners
// are shared functions that find their call through the stream.
import http2 from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { CallStatus, FramingFault, ProcessCall } from './process-call.js';
import { countAbortedStream, countStreamReset, noteRequestEnded } from './session-failure.js';
import { frameMessage, frameMessageUnpooled, GRPC_RESPONSE_HEADERS, MESSAGE_PREFIX_BYTES, resetUnfinishedRequest, respondWithStatus, statusTrailers } from './grpc-status.js';

const CALL = Symbol('ctxproc.http2Call');

type CallStream = http2.ServerHttp2Stream & { [CALL]?: Http2ProcessCall };

type Listener = (...args: never[]) => void;

const NO_BYTES = Buffer.alloc(0);

export class Http2ProcessCall implements ProcessCall {
  /** Received bytes of a message not yet complete, their total, and the total that completes it. */
  private pending: Buffer[] = [];

  private pendingBytes = 0;

  private pendingNeeded = 0;

  private statusSent = false;

  /** Set once a message over the limit is rejected: the stream is reset after its status, since the client would keep sending the rest. */
  private resetAfterStatus = false;

  private paused = false;

  /** The client half-closed while the call was paused, with messages still held back. */
  private endHeld = false;

  private trailers: http2.OutgoingHttpHeaders | null = null;

  private onData: ((bytes: Buffer) => void) | null = null;

  private onEnd: (() => void) | null = null;

  private onCancelled: (() => void) | null = null;

  private onError: ((error: Error & { code?: number }) => void) | null = null;

  private onOversized: ((length: number) => void) | null = null;

  private onMalformed: ((fault: FramingFault) => void) | null = null;

  private onDrain: (() => void) | null = null;

  private onClosed: (() => void) | null = null;

  private streamClosed = false;

  /** The HTTP/2 session the stream belongs to, kept because the stream drops it once closed. */
  readonly session: object;

  constructor(private readonly stream: http2.ServerHttp2Stream, private readonly maxMessageBytes: number) {
    this.session = stream.session ?? stream;
    (stream as CallStream)[CALL] = this;
    stream.on('data', receiveChunk);
    stream.on('end', endOfRequest);
    stream.on('close', streamClosed);
    stream.on('aborted', streamAborted);
    // An HTTP/2 stream error is always followed by 'close', which reports it.
    stream.on('error', ignoreError);
  }

  /** Returns the client's address and port, in the form grpc-js's getPeer() uses, for log lines. */
  getPeer(): string {
    const socket = this.stream.session?.socket;
    if (socket?.remoteAddress === undefined) {
      return 'unknown';
    }
    return `${socket.remoteAddress}:${socket.remotePort}`;
  }

  /** Sets the one listener of an event; the stream handler registers each once. */
  on(event: 'data' | 'end' | 'cancelled' | 'error' | 'oversized' | 'malformed', listener: Listener): this {
    switch (event) {
      case 'data':
        this.onData = listener as (bytes: Buffer) => void;
        break;
      case 'end':
        this.onEnd = listener as () => void;
        break;
      case 'cancelled':
        this.onCancelled = listener as () => void;
        break;
      case 'error':
        this.onError = listener as (error: Error & { code?: number }) => void;
        break;
      case 'oversized':
        this.onOversized = listener as (length: number) => void;
        break;
      case 'malformed':
        this.onMalformed = listener as (fault: FramingFault) => void;
        break;
    }
    return this;
  }

  /** Ends the call with the status, then hands the status to the 'error' listener, as an EventEmitter would. */
  emit(event: 'error', status: CallStatus): boolean {
    if (event !== 'error') {
      return false;
    }
    this.sendStatus(status.code ?? GrpcStatus.INTERNAL, status.details ?? '');
    this.onError?.(status as unknown as Error & { code?: number });
    return true;
  }

  /**
   * Sends one message, with the response headers first if none went out yet.
   * Returns false once the stream buffers more than its writableHighWaterMark
   * (64 KiB in Node 24) because the client's HTTP/2 window is full. Node runs
   * `onSent` when nghttp2 has passed the bytes to the socket, so not while
   * they wait for the client's window. A message after the status is dropped
   * without `onSent`, and returns true because no 'drain' follows.
   */
  write(message: Buffer, onSent?: () => void): boolean {
    if (this.statusSent || this.stream.destroyed) {
      return true;
    }
    this.respondOnce();
    // A frame that will wait in the stream's queue gets a buffer of its own.
    // A slice of Node's shared 8 KiB Buffer pool would keep the whole pool
    // alive while it waits, and 9,400 queued 7-byte replies kept about 10 MB.
    const frame = this.stream.writableLength === 0 ? frameMessage(message) : frameMessageUnpooled(message);
    return this.stream.write(frame, onSent);
  }

  /**
   * Stops delivering messages, even the rest of the chunk being split, and
   * stops reading the stream. Node then leaves the client's DATA frames
   * unconsumed, so the stream's HTTP/2 window closes and the client stops.
   */
  pause(): this {
    this.paused = true;
    this.stream.pause();
    return this;
  }

  /** Delivers the messages held back by pause(), then reads the stream again unless one of them paused it. */
  resume(): this {
    this.paused = false;
    if (this.pending.length > 0) {
      this.receive(NO_BYTES);
    }
    if (this.paused) {
      return this;
    }
    if (this.endHeld) {
      this.endHeld = false;
      this.endOfMessages();
    }
    this.stream.resume();
    return this;
  }

  /** Sets the listener for the stream's next 'drain'. */
  once(event: 'drain', listener: () => void): this {
    if (event === 'drain') {
      this.onDrain = listener;
      this.stream.once('drain', streamDrained);
    }
    return this;
  }

  /** Ends the call with status OK. */
  end(): void {
    this.sendStatus(GrpcStatus.OK, '');
  }

  /** Runs `listener` once the stream has closed: at once when it has, else when Node reports the close. */
  onClose(listener: () => void): void {
    if (this.streamClosed) {
      listener();
      return;
    }
    this.onClosed = listener;
  }

  /** Splits received bytes into gRPC messages and hands each to the 'data' listener. */
  receive(chunk: Buffer): void {
    // After the status, Envoy may still be sending the rest of a message.
    if (this.statusSent) {
      return;
    }
    const data = this.takeBuffered(chunk);
    if (data === null) {
      return;
    }
    let offset = 0;

    while (!this.statusSent && !this.paused && data.length - offset >= MESSAGE_PREFIX_BYTES) {
      const compressed = data[offset] !== 0;
      const length = data.readUInt32BE(offset + 1);
      // Checked on the prefix, so an oversized message is never buffered whole.
      if (length > this.maxMessageBytes) {
        this.rejectOversized(length);
        return;
      }
      if (data.length - offset - MESSAGE_PREFIX_BYTES < length) {
        break;
      }
      if (compressed) {
        this.reportMalformed({ kind: 'compressed', detail: `a ${length}-byte message has flag byte ${data[offset]} where 0 (uncompressed) is expected` }, GrpcStatus.UNIMPLEMENTED);
        return;
      }
      const message = data.subarray(offset + MESSAGE_PREFIX_BYTES, offset + MESSAGE_PREFIX_BYTES + length);
      offset += MESSAGE_PREFIX_BYTES + length;
      this.onData?.(message);
    }
    this.keepRest(data, offset);
  }

  /**
   * Returns the bytes to parse, or null while the message begun earlier is
   * still incomplete. Chunks of a large message are joined once, when the
   * last one arrives, instead of once per chunk.
   */
  private takeBuffered(chunk: Buffer): Buffer | null {
    if (this.pending.length === 0) {
      return chunk;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.pendingNeeded) {
      return null;
    }
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return data;
  }

  /** Keeps the bytes after `offset`: a message whose prefix or body has not fully arrived. */
  private keepRest(data: Buffer, offset: number): void {
    if (this.statusSent || offset === data.length) {
      return;
    }
    const rest = data.subarray(offset);
    this.pending = [rest];
    this.pendingBytes = rest.length;
    this.pendingNeeded = rest.length < MESSAGE_PREFIX_BYTES ? MESSAGE_PREFIX_BYTES : MESSAGE_PREFIX_BYTES + rest.readUInt32BE(1);
  }

  /** Lets the 'malformed' listener count and end the stream; without one, ends it here with `code`. */
  private reportMalformed(fault: FramingFault, code: number): void {
    this.pending = [];
    this.pendingBytes = 0;
    // A client that sent a compressed message may still be sending; after a
    // half-close inside a message it is not, and the reset is harmless.
    this.stream.pause();
    this.resetAfterStatus = true;
    if (this.onMalformed === null) {
      this.sendStatus(code, fault.detail);
      return;
    }
    this.onMalformed(fault);
  }

  /** Lets the 'oversized' listener count and end the stream; without one, ends it here. */
  private rejectOversized(length: number): void {
    this.pending = [];
    this.pendingBytes = 0;
    // Reading no further keeps the stream's HTTP/2 window closed, so the
    // client can send about one window more before the reset arrives.
    this.stream.pause();
    this.resetAfterStatus = true;
    if (this.onOversized === null) {
      this.sendStatus(GrpcStatus.RESOURCE_EXHAUSTED, `received message larger than max (${length} vs. ${this.maxMessageBytes})`);
      return;
    }
    this.onOversized(length);
  }

  /** Hands the stream's 'drain' to the listener set by once(). */
  drained(): void {
    const listener = this.onDrain;
    this.onDrain = null;
    listener?.();
  }

  /**
   * Reports the client's half-close to the 'end' listener. A Readable can
   * emit 'end' after pause() when pause() came while the last chunk was being
   * split, so the half-close waits for the messages that pause() held back.
   */
  requestEnded(): void {
    noteRequestEnded(this.stream);
    if (this.paused) {
      this.endHeld = true;
      return;
    }
    this.endOfMessages();
  }

  /**
   * Reports the half-close once every whole message was delivered. Bytes
   * still pending then are a message cut short, which a half-close must not
   * end silently as if the stream had ended cleanly.
   *
   * Node also emits 'end' just before 'close' when the client resets the
   * stream, and then the stream already reads as closed. A reset inside a
   * message is how Envoy ends a stream at its message timeout, so the cut
   * message is dropped and closed() reports the reset as one between messages.
   */
  private endOfMessages(): void {
    if (this.statusSent || this.pendingBytes === 0) {
      this.onEnd?.();
      return;
    }
    if (this.stream.closed) {
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    const detail = this.pendingNeeded > MESSAGE_PREFIX_BYTES
      ? `the client half-closed the stream after ${this.pendingBytes} of the ${this.pendingNeeded} bytes of a message (5-byte prefix included)`
      : `the client half-closed the stream after ${this.pendingBytes} of the 5 bytes of a message prefix`;
    this.reportMalformed({ kind: 'truncated', detail }, GrpcStatus.INTERNAL);
  }

  /**
   * Reports a close before ctxproc sent its status as 'cancelled': the client
   * reset the stream, Envoy's usual end of an ext_proc stream.
   */
  closed(): void {
    this.streamClosed = true;
    countStreamReset(this.stream);
    const listener = this.onClosed;
    this.onClosed = null;
    listener?.();
    if (!this.statusSent) {
      this.statusSent = true;
      this.onCancelled?.();
    }
    this.detach();
  }

  /**
   * Drops the listeners and held bytes once the stream has closed, because
   * Node keeps a closed stream's objects past young collections. Objects
   * reachable from a closed node:http2 stream were promoted in a benchmark
   * run, and the same objects dropped at 'close' were not. Here those were
   * the listeners' closures and, through them, the transaction.
   */
  private detach(): void {
    this.onData = null;
    this.onEnd = null;
    this.onCancelled = null;
    this.onError = null;
    this.onOversized = null;
    this.onMalformed = null;
    this.onDrain = null;
    this.pending = [];
    (this.stream as CallStream)[CALL] = undefined;
  }

  /** Sends the trailers that waitForTrailers held back. */
  sendTrailers(): void {
    this.stream.sendTrailers(this.trailers ?? {});
    this.resetIfRequested();
  }

  private resetIfRequested(): void {
    if (this.resetAfterStatus) {
      resetUnfinishedRequest(this.stream);
    }
  }

  private respondOnce(): void {
    if (this.stream.headersSent) {
      return;
    }
    this.stream.respond(GRPC_RESPONSE_HEADERS, { waitForTrailers: true });
    this.stream.once('wantTrailers', trailersWanted);
  }

  private sendStatus(code: number, details: string): void {
    if (this.statusSent || this.stream.destroyed) {
      this.statusSent = true;
      return;
    }
    this.statusSent = true;
    if (!this.stream.headersSent) {
      respondWithStatus(this.stream, code, details);
      this.resetIfRequested();
      return;
    }
    this.trailers = statusTrailers(code, details);
    this.stream.end();
  }
}

function receiveChunk(this: CallStream, chunk: Buffer): void {
  this[CALL]?.receive(chunk);
}

function endOfRequest(this: CallStream): void {
  this[CALL]?.requestEnded();
}

function streamClosed(this: CallStream): void {
  this[CALL]?.closed();
}

function streamAborted(this: CallStream): void {
  countAbortedStream(this);
}

function streamDrained(this: CallStream): void {
  this[CALL]?.drained();
}

function trailersWanted(this: CallStream): void {
  this[CALL]?.sendTrailers();
}

function ignoreError(): void {}
