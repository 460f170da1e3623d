// The part of an ExternalProcessor/Process call that the stream handler
// uses. A grpc-js ServerDuplexStream has it, and so does the lean
// transport's Http2ProcessCall, so one handler serves both transports.

/** The gRPC status that ends a call, as grpc-js takes it on an 'error' event. */
export interface CallStatus {
  code: number;
  details: string;
}

/** A gRPC framing fault: what kind, and the numbers that show it, for the log and the event. */
export interface FramingFault {
  kind: 'truncated' | 'compressed';
  detail: string;
}

export interface ProcessCall {
  /** The lean transport's HTTP/2 session of the call. */
  readonly session?: object;
  /** The client's address and port. On grpc-js they also name the call's connection. */
  getPeer?(): string;
  /** One request message, as raw bytes. */
  on(event: 'data', listener: (bytes: Buffer) => void): unknown;
  /** 'end': the client half-closed. 'cancelled': the client reset the stream. */
  on(event: 'end' | 'cancelled', listener: () => void): unknown;
  /** A message's length prefix declared more than --max-message-bytes; the transport buffered none of it. */
  on(event: 'oversized', listener: (length: number) => void): unknown;
  /** The gRPC framing itself was wrong: a half-close inside a message, or a compressed message. Only the http2 transport reports it. */
  on(event: 'malformed', listener: (fault: FramingFault) => void): unknown;
  on(event: 'error', listener: (error: Error & { code?: number }) => void): unknown;
  /**
   * Returns false when the reply is buffered because the client reads replies
   * slower than ctxproc writes them. `onSent` runs once the bytes have left
   * for the socket. Neither transport runs it for a write on a call that was
   * cancelled or had already ended.
   */
  write(bytes: Buffer, onSent?: () => void): boolean;
  /** Stops delivering messages until resume(), so HTTP/2 flow control stops the client's sending. */
  pause(): unknown;
  resume(): unknown;
  /** The buffered replies were sent, after a write that returned false. */
  once(event: 'drain', listener: () => void): unknown;
  /** Ends the call with status OK. */
  end(): unknown;
  /**
   * Runs `listener` once the stream has closed, or at once if it already has.
   * A call ends before its stream closes when replies wait for the client's
   * window. Only the lean transport implements it.
   */
  onClose?(listener: () => void): void;
  /** Ends the call with the given status. */
  emit(event: 'error', status: CallStatus): unknown;
}

/** Returns what identifies the client connection of `call`, for per-connection accounting. */
export function connectionOf(call: ProcessCall): object | string {
  return call.session ?? call.getPeer?.() ?? call;
}

/** Returns the client's address and port of `call`, for log lines. */
export function peerOf(call: ProcessCall): string {
  return call.getPeer?.() ?? 'unknown';
}
