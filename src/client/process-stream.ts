// gRPC wiring of the client: long-lived HTTP/2 channels, and one Process
// stream per transaction that ends the way Envoy ends it.
import * as grpc from '@grpc/grpc-js';
import { decodeResponse, encodeRequest, PROCESS_METHOD_PATH } from '../protocol/codec.js';
import type { ProcessingRequest, ProcessingResponse } from '../protocol/messages.js';
import type { GrpcStatusInfo, StreamEndInfo } from './types.js';

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Envoy's gRPC client sets no receive limit unless configured; grpc-js
  // would otherwise reject replies over 4 MiB.
  'grpc.max_receive_message_length': -1,
  // Each channel gets its own subchannel, so `connections` channels mean as
  // many HTTP/2 connections instead of one shared one.
  'grpc.use_local_subchannel_pool': 1,
};

/** A fixed set of channels to one server; streams are spread over them in turn. */
export class ChannelPool {
  private readonly clients: grpc.Client[];
  private next = 0;

  constructor(target: string, connections: number) {
    const credentials = grpc.credentials.createInsecure();
    this.clients = Array.from({ length: connections }, () => new grpc.Client(target, credentials, CHANNEL_OPTIONS));
  }

  pick(): grpc.Client {
    const client = this.clients[this.next % this.clients.length]!;
    this.next += 1;
    return client;
  }

  close(): void {
    for (const client of this.clients) {
      client.close();
    }
  }
}

export interface StreamHandlers {
  onMessage(response: ProcessingResponse): void;
  /** The server ended the call before the client closed its side. */
  onServerStatus(status: GrpcStatusInfo): void;
}

/** One Process call. After the client resets or half-closes it, nothing more reaches the handlers. */
export class ProcessStream {
  private readonly call: grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
  private closedLocally = false;
  private finalStatus: GrpcStatusInfo | null = null;
  private statusWaiter: ((status: GrpcStatusInfo) => void) | null = null;

  constructor(client: grpc.Client, handlers: StreamHandlers) {
    this.call = client.makeBidiStreamRequest(PROCESS_METHOD_PATH, encodeRequest, decodeResponse);

    this.call.on('data', (response: ProcessingResponse) => {
      if (!this.closedLocally) {
        handlers.onMessage(response);
      }
    });

    this.call.on('status', (status: grpc.StatusObject) => {
      const info = { code: status.code, details: status.details };
      this.finalStatus = info;
      if (this.closedLocally) {
        this.statusWaiter?.(info);
        return;
      }
      handlers.onServerStatus(info);
    });

    // grpc-js also emits every non-OK status as an 'error' event; the
    // 'status' listener handles it, and this one keeps it from being thrown.
    this.call.on('error', () => {});
  }

  send(request: ProcessingRequest): void {
    if (!this.closedLocally) {
      this.call.write(request);
    }
  }

  /** Cancels the call, which sends RST_STREAM(CANCEL): Envoy's default way to end a stream. */
  reset(): StreamEndInfo {
    this.closedLocally = true;
    this.call.cancel();
    return { how: 'reset', status: null, waitMs: 0 };
  }

  /**
   * Half-closes and waits up to `timeoutMs` for the server's status, then
   * resets, as Envoy does with ext_proc_graceful_grpc_close enabled.
   */
  halfClose(timeoutMs: number): Promise<StreamEndInfo> {
    this.closedLocally = true;
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);

    if (this.finalStatus !== null) {
      return Promise.resolve({ how: 'half_close', status: this.finalStatus, waitMs: 0 });
    }
    this.call.end();

    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.statusWaiter = null;
        this.call.cancel();
        resolve({ how: 'half_close', status: null, waitMs: elapsed() });
      }, timeoutMs);

      this.statusWaiter = (status) => {
        clearTimeout(timer);
        this.statusWaiter = null;
        resolve({ how: 'half_close', status, waitMs: elapsed() });
      };
    });
  }
}
