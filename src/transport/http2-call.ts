// One ExternalProcessor/Process call on the lean transport. It has the
// events and methods of a grpc-js ServerDuplexStream that the stream handler
// uses: 'data' per message, 'end' on half-close and 'cancelled' on reset,
// write() and end(), and emit('error', status) to end the call with a status.
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { frameMessage, GRPC_RESPONSE_HEADERS, MESSAGE_PREFIX_BYTES, respondWithStatus, statusTrailers } from './grpc-status.js';

export class Http2ProcessCall extends EventEmitter {
  private pending: Buffer | null = null;

  private statusSent = false;

  private trailers: http2.OutgoingHttpHeaders = {};

  constructor(private readonly stream: http2.ServerHttp2Stream, private readonly maxMessageBytes: number) {
    super();
    // Registered first, so the status goes out whatever later listeners do.
    this.on('error', (status: { code?: number; details?: string }) => this.sendStatus(status.code ?? GrpcStatus.INTERNAL, status.details ?? ''));

    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('end', () => this.emit('end'));
    stream.on('close', () => {
      // A stream that closes before ctxproc sent its status was reset by the
      // client: Envoy's usual end of an ext_proc stream.
      if (!this.statusSent) {
        this.statusSent = true;
        this.emit('cancelled');
      }
    });
    // An HTTP/2 stream error is always followed by 'close', which reports it.
    stream.on('error', () => {});
  }

  /** Sends one message, with the response headers first if none went out yet. */
  write(message: Buffer): boolean {
    if (this.statusSent || this.stream.destroyed) {
      return false;
    }
    this.respondOnce();
    return this.stream.write(frameMessage(message));
  }

  /** Ends the call with status OK. */
  end(): void {
    this.sendStatus(GrpcStatus.OK, '');
  }

  private receive(chunk: Buffer): void {
    // After the status, later chunks are dropped, not joined onto the pending bytes.
    if (this.statusSent) {
      return;
    }
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;

    while (!this.statusSent && data.length - offset >= MESSAGE_PREFIX_BYTES) {
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
        this.sendStatus(GrpcStatus.UNIMPLEMENTED, 'compressed messages are not supported; turn off grpc-encoding on the client');
        return;
      }
      const message = data.subarray(offset + MESSAGE_PREFIX_BYTES, offset + MESSAGE_PREFIX_BYTES + length);
      offset += MESSAGE_PREFIX_BYTES + length;
      this.emit('data', message);
    }
    this.pending = offset < data.length ? data.subarray(offset) : null;
  }

  /** Lets the handler count and end the stream; without a handler listening, ends it here. */
  private rejectOversized(length: number): void {
    this.pending = null;
    if (!this.emit('oversized', length)) {
      this.sendStatus(GrpcStatus.RESOURCE_EXHAUSTED, `received message larger than max (${length} vs. ${this.maxMessageBytes})`);
    }
  }

  private respondOnce(): void {
    if (this.stream.headersSent) {
      return;
    }
    this.stream.respond(GRPC_RESPONSE_HEADERS, { waitForTrailers: true });
    this.stream.once('wantTrailers', () => this.stream.sendTrailers(this.trailers));
  }

  private sendStatus(code: number, details: string): void {
    if (this.statusSent || this.stream.destroyed) {
      this.statusSent = true;
      return;
    }
    this.statusSent = true;
    if (!this.stream.headersSent) {
      respondWithStatus(this.stream, code, details);
      return;
    }
    this.trailers = statusTrailers(code, details);
    this.stream.end();
  }
}
