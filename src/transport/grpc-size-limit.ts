// Turns grpc-js's own rejection of an oversized message into an 'oversized'
// event on the call, so that the stream handler counts, logs and notes it
// like any other CTXPROC_PROTO_TOO_LARGE.
//
// grpc-js checks grpc.max_receive_message_length against each message's
// 5-byte gRPC prefix, before it buffers the message (StreamDecoder in
// grpc-js 1.14), so with that option at --max-message-bytes an oversized
// message is never joined into one buffer. But grpc-js then sends its own
// RESOURCE_EXHAUSTED status from its innermost call object, which server
// interceptors do not see, and reports to the handler only that the call was
// cancelled. This adapter wraps that object's sendStatus on each call.
// A grpc-js release without that object keeps grpc-js's own status: the
// rejection still happens at the prefix, only uncounted, and
// test/service/transport-limits.test.ts fails on it.
import type http2 from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { resetUnfinishedRequest } from './grpc-status.js';
import type { CallStatus } from './process-call.js';

/** grpc-js's status details for a message over its receive limit, with the size the prefix declared. */
const GRPC_JS_TOO_LARGE = /^Received message larger than max \((\d+) vs\.? \d+\)/;

interface InnerCall {
  sendStatus?: (status: CallStatus) => void;
  stream?: http2.ServerHttp2Stream;
  decoder?: { write?: (data: Buffer) => Buffer[] };
}

interface GrpcJsDuplex {
  call?: InnerCall;
  emit(event: 'oversized', length: number): boolean;
}

/** Makes `duplex` emit 'oversized' with the declared length instead of grpc-js sending its own status. */
export function reportOversizedMessages(duplex: unknown): void {
  const call = (duplex as GrpcJsDuplex).call;
  const original = call?.sendStatus;
  if (!call || typeof original !== 'function') {
    return;
  }

  let reported = false;
  call.sendStatus = function sendStatus(this: InnerCall, status: CallStatus): void {
    const match = status.code === GrpcStatus.RESOURCE_EXHAUSTED ? GRPC_JS_TOO_LARGE.exec(status.details) : null;
    if (match === null) {
      const trailersOnly = this.stream?.headersSent === false;
      original.call(this, status);
      if (reported && this.stream) {
        resetAfterStatus(this.stream, trailersOnly);
      }
      return;
    }
    // The decoder stays stuck on the oversized prefix and would throw again
    // on every later frame of the message, which keeps arriving until the
    // client reads the status, so later frames are dropped unread. The
    // handler's own status then ends the call through this same function.
    if (reported) {
      return;
    }
    reported = true;
    // Reading no further keeps the stream's HTTP/2 window closed until the
    // reset, unless grpc-js resumes the stream for another read first.
    this.stream?.pause();
    if (this.decoder && typeof this.decoder.write === 'function') {
      this.decoder.write = () => [];
    }
    if (!(duplex as GrpcJsDuplex).emit('oversized', Number(match[1]))) {
      original.call(this, status);
    }
  };
}

/**
 * Resets the stream of a rejected message once its status is out, since the
 * client would otherwise send the rest of the message. grpc-js sends
 * trailers from its own 'wantTrailers' listener, which runs before this one.
 */
function resetAfterStatus(stream: http2.ServerHttp2Stream, trailersOnly: boolean): void {
  if (trailersOnly) {
    resetUnfinishedRequest(stream);
    return;
  }
  stream.once('wantTrailers', () => resetUnfinishedRequest(stream));
}
