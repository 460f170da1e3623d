// gRPC over HTTP/2 as the lean transport writes it: message framing and the
// status trailers, per the gRPC "PROTOCOL-HTTP2" specification.
import http2 from 'node:http2';

/** Bytes of the gRPC message prefix: a compressed flag, then a big-endian uint32 length. */
export const MESSAGE_PREFIX_BYTES = 5;

/** Response headers of every gRPC reply; the status goes in the trailers. */
export const GRPC_RESPONSE_HEADERS: http2.OutgoingHttpHeaders = { ':status': 200, 'content-type': 'application/grpc' };

/** Prefixes `message` for one gRPC message. */
export function frameMessage(message: Buffer): Buffer {
  return writeFrame(Buffer.allocUnsafe(MESSAGE_PREFIX_BYTES + message.length), message);
}

/** Prefixes `message` for one gRPC message, in a buffer outside Node's shared Buffer pool. */
export function frameMessageUnpooled(message: Buffer): Buffer {
  return writeFrame(Buffer.allocUnsafeSlow(MESSAGE_PREFIX_BYTES + message.length), message);
}

function writeFrame(framed: Buffer, message: Buffer): Buffer {
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, MESSAGE_PREFIX_BYTES);
  return framed;
}

/** Returns the trailers that end a call with `code`. */
export function statusTrailers(code: number, details: string): http2.OutgoingHttpHeaders {
  return details === '' ? { 'grpc-status': String(code) } : { 'grpc-status': String(code), 'grpc-message': percentEncode(details) };
}

/**
 * Percent-encodes grpc-message as the specification requires: every UTF-8
 * byte outside printable ASCII (0x20 to 0x7E), and '%' itself. Clients
 * decode it back; other characters stay readable in logs.
 */
export function percentEncode(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    encoded += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** Ends a stream that has sent nothing yet with a trailers-only response. */
export function respondWithStatus(stream: http2.ServerHttp2Stream, code: number, details: string): void {
  if (stream.destroyed || stream.headersSent) {
    return;
  }
  stream.respond({ ...GRPC_RESPONSE_HEADERS, ...statusTrailers(code, details) }, { endStream: true });
}

/**
 * Resets a stream whose response is complete while the client may still be
 * sending its request, with RST_STREAM NO_ERROR. HTTP/2 lets a server ask a
 * client to stop sending a request this way after a complete response
 * (RFC 9113, section 8.1), and the client keeps the status it has read.
 * Node's sendTrailers() submits the trailers on a setImmediate turn, and a
 * reset submitted before them reaches the client first and hides the
 * status, so the reset waits for a turn of its own, queued after theirs.
 */
export function resetUnfinishedRequest(stream: http2.ServerHttp2Stream): void {
  setImmediate(resetUnlessClosed, stream);
}

function resetUnlessClosed(stream: http2.ServerHttp2Stream): void {
  if (stream.destroyed || stream.closed || stream.readableEnded) {
    return;
  }
  stream.close(http2.constants.NGHTTP2_NO_ERROR);
}
