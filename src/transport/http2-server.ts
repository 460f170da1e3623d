// The lean transport (--transport http2): gRPC served on node:http2
// directly, for the one streaming method Envoy calls and the health check.
// grpc-js builds call objects, interceptors and metadata for every stream,
// which cost about 60% of the CPU of an ext_proc server that does nothing
// (the benchmark's floor_headers against baseline_headers). This transport
// frames messages itself and leaves everything else to Node's HTTP/2.
import http2 from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CtxprocError } from '../errors/codes.js';
import { parseAddress } from '../config/settings.js';
import { PROCESS_METHOD_PATH } from '../protocol/codec.js';
import { EXT_PROC_SERVICE_NAME, type GrpcServerOptions } from './grpc-server.js';
import { frameMessage, GRPC_RESPONSE_HEADERS, MESSAGE_PREFIX_BYTES, respondWithStatus, statusTrailers } from './grpc-status.js';
import { Http2ProcessCall } from './http2-call.js';
import { sessionFailureOf, watchSession, watchStream } from './session-failure.js';
import type { RunningTransport } from './transport.js';

const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/** HealthCheckResponse.ServingStatus numbers (grpc/health/v1/health.proto). */
const SERVING = 1;
const NOT_SERVING = 2;

/** Creates, binds and starts the HTTP/2 server. */
export async function startHttp2Transport(options: GrpcServerOptions): Promise<RunningTransport> {
  const messageCap = options.maxMessageBytes;
  const health = { serving: false };
  const sessions = new Set<http2.ServerHttp2Session>();

  const server = http2.createServer({
    streamResetBurst: options.resetLimit.burst,
    streamResetRate: options.resetLimit.ratePerSecond,
    // As grpc-js does: per-message limits bound memory, not nghttp2's
    // default of 10 MB per connection, which a few thousand open streams
    // on one Envoy connection would exceed.
    maxSessionMemory: Number.MAX_SAFE_INTEGER,
    // A client that opens streams and never reads their replies keeps server
    // memory per stream, so the cap bounds that per connection.
    settings: { maxConcurrentStreams: options.maxStreamsPerConnection },
  } as http2.ServerOptions);

  server.on('session', (session) => {
    sessions.add(session);
    watchSession(session);
    session.on('close', () => sessions.delete(session));
    // A failed session closes all its streams, which report the end. A
    // client that does not speak HTTP/2 ends here too, and so does one that
    // reset more streams than --reset-burst and --reset-rate allow.
    session.on('error', (error: Error) => {
      const failure = sessionFailureOf(session, error, options.resetLimit.burst);
      options.onTransportRejection?.(failure.reason);
      options.onSessionFailure?.(failure);
    });
  });
  server.on('stream', (stream, headers) => {
    route(stream, headers, options, messageCap, health.serving);
  });

  const port = await listen(server, options.address);
  return {
    port,
    setServing: (value) => {
      health.serving = value;
    },
    tryShutdown: (callback) => {
      server.close(() => callback());
      for (const session of sessions) {
        session.close();
      }
    },
    forceShutdown: () => {
      for (const session of sessions) {
        session.destroy();
      }
      server.close();
    },
  };
}

function route(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, options: GrpcServerOptions, messageCap: number, serving: boolean): void {
  stream.on('error', ignoreError);
  watchStream(stream);
  if (headers[':method'] !== 'POST' || !isGrpcContentType(headers['content-type'] ?? '')) {
    options.onTransportRejection?.('unsupported_request');
    stream.respond({ ':status': 415, 'content-type': 'text/plain' }, { endStream: true });
    return;
  }

  switch (headers[':path']) {
    case PROCESS_METHOD_PATH:
      options.handler(new Http2ProcessCall(stream, messageCap));
      return;
    case HEALTH_CHECK_PATH:
      serveHealthCheck(stream, serving);
      return;
    default:
      options.onTransportRejection?.('unknown_method');
      respondWithStatus(stream, GrpcStatus.UNIMPLEMENTED, `method ${headers[':path']} is not served here; ctxproc serves ${PROCESS_METHOD_PATH} and ${HEALTH_CHECK_PATH}`);
  }
}

/** True for application/grpc and its +format and ;parameter forms, the only content types gRPC over HTTP/2 allows. */
function isGrpcContentType(contentType: string): boolean {
  if (!contentType.startsWith('application/grpc')) {
    return false;
  }
  const next = contentType.charAt('application/grpc'.length);
  return next === '' || next === '+' || next === ';';
}

/** Ignores a stream error, because a failed stream also closes and the call reports the close. */
function ignoreError(): void {}

/**
 * Replies to grpc.health.v1.Health/Check for the whole server ('') and for the
 * ext_proc service name, the two names the grpc-js transport registers.
 */
function serveHealthCheck(stream: http2.ServerHttp2Stream, serving: boolean): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => {
    const request = Buffer.concat(chunks);
    const service = request.length > MESSAGE_PREFIX_BYTES ? healthCheckService(request.subarray(MESSAGE_PREFIX_BYTES)) : '';
    if (service !== '' && service !== EXT_PROC_SERVICE_NAME) {
      respondWithStatus(stream, GrpcStatus.NOT_FOUND, `health status of service '${service}' is unknown`);
      return;
    }
    // HealthCheckResponse { status = 1 }: field 1, varint.
    const response = Buffer.from([0x08, serving ? SERVING : NOT_SERVING]);
    stream.respond(GRPC_RESPONSE_HEADERS, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(statusTrailers(GrpcStatus.OK, '')));
    stream.end(frameMessage(response));
  });
}

/** Reads HealthCheckRequest.service (field 1, a string of at most 127 bytes); other fields are skipped. */
function healthCheckService(message: Buffer): string {
  if (message[0] !== 0x0a || message.length < 2) {
    return '';
  }
  const length = message[1]!;
  return message.subarray(2, 2 + length).toString('utf8');
}

/**
 * Binds host:port, or a Unix socket named as gRPC names one ('unix:path' or
 * 'unix:///absolute/path'), which the rule test runner listens on. For a
 * socket it returns 1, the port grpc-js reports for an address without one.
 */
function listen(server: http2.Http2Server, address: string): Promise<number> {
  const socketPath = unixSocketPath(address);
  const { host, port } = socketPath === null ? parseAddress(address, '--listen') : { host: '', port: 0 };
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new CtxprocError('CTXPROC_CONFIG_INVALID', `cannot listen on ${address}: ${error.message}; choose a free address with --listen`)));
    if (socketPath !== null) {
      server.listen(socketPath, () => resolve(1));
      return;
    }
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

function unixSocketPath(address: string): string | null {
  if (!address.startsWith('unix:')) {
    return null;
  }
  const rest = address.slice('unix:'.length);
  return rest.startsWith('//') ? rest.slice(2) : rest;
}
