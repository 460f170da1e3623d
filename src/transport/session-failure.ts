// Determines why Node closed a client's HTTP/2 session, for the warning line and
// the transport rejection count of both transports.
//
// Node 24 (nghttp2) closes a whole connection, with GOAWAY INTERNAL_ERROR,
// once its client has reset more streams than streamResetBurst at once or
// streamResetRate per second after that. It reports this as the session's
// 'error' with code ERR_HTTP2_ERROR and errno -505 (NGHTTP2_ERR_PROTO),
// exactly as it reports a frame that HTTP/2 forbids. The two are distinguished
// by the resets the session received: the limit cannot close a session
// before its client has reset at least --reset-burst streams.
//
// NOTE: the count can be off both ways. A stream that ctxproc itself
// resets while the client is still sending (after an oversized or
// malformed message) counts as a client reset. A client reset of a stream
// whose ctxproc side had already ended is counted only at 'close', which
// does not run when the session fails in the same read. So a reset-limit
// close can be named connection_error, whose warning names the reset
// settings too.
import http2 from 'node:http2';

/** nghttp2's NGHTTP2_ERR_PROTO, the errno Node gives a session that the reset limit closed. */
const NGHTTP2_ERR_PROTO = -505;

const SESSION_STATE = Symbol('ctxproc.sessionState');

/** Client address and reset count of one session, for its failure report. */
interface SessionState {
  peer: string;
  resets: number;
}

type WatchedSession = http2.Http2Session & { [SESSION_STATE]?: SessionState };

const STREAM_SESSION = Symbol('ctxproc.streamSession');

const CLEAN_HALF_CLOSE = Symbol('ctxproc.cleanHalfClose');

const RESET_COUNTED = Symbol('ctxproc.resetCounted');

type WatchedStream = http2.Http2Stream & { [STREAM_SESSION]?: WatchedSession; [CLEAN_HALF_CLOSE]?: boolean; [RESET_COUNTED]?: boolean };

/** Cause of a client's HTTP/2 session failure. */
export type SessionFailureReason = 'reset_limit' | 'connection_error';

export interface SessionFailure {
  reason: SessionFailureReason;
  /** The client's address and port, or 'unknown'. */
  peer: string;
  /** Streams of the session that the client reset before the session failed. */
  resets: number;
  /** Node's error, such as ERR_HTTP2_ERROR 'Protocol error'. */
  error: Error;
}

/** Records the client's address of a new session, because Node may drop its socket before the session fails. */
export function watchSession(session: http2.Http2Session): void {
  const socket = session.socket;
  const peer = socket?.remoteAddress === undefined ? 'unknown' : `${socket.remoteAddress}:${socket.remotePort}`;
  (session as WatchedSession)[SESSION_STATE] = { peer, resets: 0 };
}

/**
 * Links a new stream to its session, so that countStreamReset can find it
 * after Node drops stream.session. All three fields are set here, so every
 * stream gets the same V8 hidden class.
 */
export function watchStream(stream: http2.Http2Stream): void {
  const watched = stream as WatchedStream;
  watched[STREAM_SESSION] = stream.session as WatchedSession | undefined;
  watched[CLEAN_HALF_CLOSE] = false;
  watched[RESET_COUNTED] = false;
}

/**
 * Records whether the client half-closed the stream with END_STREAM; call it
 * on 'end'. Node also emits 'end' for a reset, but then the stream is
 * already closed.
 */
export function noteRequestEnded(stream: http2.Http2Stream): void {
  (stream as WatchedStream)[CLEAN_HALF_CLOSE] = !stream.closed;
}

/**
 * Counts a stream that the client reset while ctxproc's side was open; call
 * it on 'aborted'. Node emits 'aborted' while nghttp2 reads the RST_STREAM,
 * so the count is complete even when the reset that trips the limit came
 * in the same read as the others and the session fails before any 'close'.
 */
export function countAbortedStream(stream: http2.Http2Stream): void {
  countReset(stream as WatchedStream);
}

/**
 * Counts a closed stream as reset by the client unless 'aborted' counted it;
 * call it on 'close'. Envoy resets with error code NO_ERROR (reasonToReset
 * in Envoy's source/common/http/http2/codec_impl.cc), the code of a clean
 * close too, so a stream counts as reset when it closed with another code
 * or without the client's half-close.
 */
export function countStreamReset(stream: http2.Http2Stream): void {
  const watched = stream as WatchedStream;
  const errorCode = stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR;
  if (errorCode || watched[CLEAN_HALF_CLOSE] !== true) {
    countReset(watched);
  }
}

/**
 * Adds one reset to the stream's session, once per stream. Streams that
 * close because their session was destroyed are left out, so a connection
 * that failed otherwise with many streams open is not mistaken for a reset
 * flood.
 */
function countReset(stream: WatchedStream): void {
  const session = stream[STREAM_SESSION];
  const state = session?.[SESSION_STATE];
  if (state === undefined || session!.destroyed || stream[RESET_COUNTED] === true) {
    return;
  }
  stream[RESET_COUNTED] = true;
  state.resets += 1;
}

/** Describes the failure of `session` with `error`, given the --reset-burst in force. */
export function sessionFailureOf(session: http2.Http2Session, error: Error & { errno?: number }, resetBurst: number): SessionFailure {
  const state = (session as WatchedSession)[SESSION_STATE];
  const resets = state?.resets ?? 0;
  const reason = error.errno === NGHTTP2_ERR_PROTO && resets >= resetBurst ? 'reset_limit' : 'connection_error';
  return { reason, peer: state?.peer ?? 'unknown', resets, error };
}
