// The gRPC server that Envoy connects to: ExternalProcessor/Process and
// grpc.health.v1.Health on one port.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation, service as healthService } from 'grpc-health-check';
import { CtxprocError } from '../errors/codes.js';
import { rawProcessService } from '../protocol/codec.js';
import type { ProcessCall } from './process-call.js';
import { releaseDecodedChunks } from './grpc-decoder-release.js';
import { countGrpcJsRejections } from './grpc-rejections.js';
import { reportOversizedMessages } from './grpc-size-limit.js';
import { applyResetLimit, assertResetLimitSupported, type ResetLimit } from './reset-limit.js';
import type { SessionFailure } from './session-failure.js';

/** The service name Envoy's gRPC health check can ask for. */
export const EXT_PROC_SERVICE_NAME = 'envoy.service.ext_proc.v3.ExternalProcessor';

export interface GrpcServerOptions {
  address: string;
  maxMessageBytes: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS sent to every client connection. */
  maxStreamsPerConnection: number;
  resetLimit: ResetLimit;
  handler: (call: ProcessCall) => void;
  /** Counts a request or connection the transport rejected before any ext_proc stream began. */
  onTransportRejection?: (reason: TransportRejection) => void;
  /** Reports a client connection that Node closed, after onTransportRejection counted it. */
  onSessionFailure?: (failure: SessionFailure) => void;
}

/**
 * Reason a transport rejected a request itself: not a gRPC POST, a method it
 * does not serve, a connection closed for too many stream resets, or a
 * connection that failed otherwise.
 */
export type TransportRejection = 'unsupported_request' | 'unknown_method' | 'reset_limit' | 'connection_error';

export interface RunningGrpcServer {
  server: Server;
  health: HealthImplementation;
  /** The port actually bound (useful when the address asked for port 0). */
  port: number;
}

/** Creates, binds and starts the gRPC server. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  assertResetLimitSupported();

  const server = new Server({
    // Checked on each message's length prefix, before grpc-js buffers it, so
    // an oversized message is never joined (grpc-size-limit.ts reports it).
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': transportMessageCap(options.maxMessageBytes),
    // Envoy keeps few long-lived HTTP/2 connections; let its keepalive pings
    // through even between streams.
    'grpc.keepalive_permit_without_calls': 1,
    // channelz stays on although ctxproc serves no channelz service and its
    // tracking costs about 4% CPU: with grpc.enable_channelz set to 0,
    // grpc-js 1.14.7 leaves client sessions open after forceShutdown
    // (docs/benchmarks.md, "Optimisations and their effect").
    // A client that opens streams and never reads their replies keeps server
    // memory per stream, so the cap bounds that per connection.
    'grpc.max_concurrent_streams': options.maxStreamsPerConnection,
  });
  applyResetLimit(server, options.resetLimit);

  server.addService(rawProcessService, {
    Process: (call: ProcessCall) => {
      reportOversizedMessages(call);
      releaseDecodedChunks(call);
      options.handler(call);
    },
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING', [EXT_PROC_SERVICE_NAME]: 'NOT_SERVING' });
  health.addToServer(server);

  const port = await bind(server, options.address);
  if (options.onTransportRejection !== undefined || options.onSessionFailure !== undefined) {
    const methodPaths = new Set([...Object.values(rawProcessService), ...Object.values(healthService)].map((method) => method.path));
    countGrpcJsRejections(server, methodPaths, options);
  }
  return { server, health, port };
}

/**
 * The largest reply grpc-js sends. Replies are small (header mutations), so
 * this only bounds a runaway one.
 */
export function transportMessageCap(maxMessageBytes: number): number {
  return Math.max(maxMessageBytes * 2, maxMessageBytes + 1024 * 1024);
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(new CtxprocError('CTXPROC_CONFIG_INVALID', `cannot listen on ${address}: ${error.message}; choose a free address with --listen`));
        return;
      }
      resolve(port);
    });
  });
}

/** Marks the server SERVING or NOT_SERVING for Envoy's gRPC health checks. */
export function setServing(health: HealthImplementation, serving: boolean): void {
  const status = serving ? 'SERVING' : 'NOT_SERVING';
  health.setStatus('', status);
  health.setStatus(EXT_PROC_SERVICE_NAME, status);
}
