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
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { CallStatus } from './process-call.js';

/** grpc-js's status details for a message over its receive limit, with the size the prefix declared. */
const GRPC_JS_TOO_LARGE = /^Received message larger than max \((\d+) vs\.? \d+\)/;

interface InnerCall {
  sendStatus?: (status: CallStatus) => void;
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
      original.call(this, status);
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
    if (this.decoder && typeof this.decoder.write === 'function') {
      this.decoder.write = () => [];
    }
    if (!(duplex as GrpcJsDuplex).emit('oversized', Number(match[1]))) {
      original.call(this, status);
    }
  };
}
