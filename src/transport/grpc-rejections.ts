// Counts what grpc-js rejects itself on the grpc-js transport, before any
// ctxproc handler runs. That is a request whose content type is not
// application/grpc (HTTP 415), a method no service registered
// (UNIMPLEMENTED), and a connection that fails, such as one that does not
// speak HTTP/2.
//
// grpc-js 1.14 has no hook for these. It responds to the first two inside
// its listener of the HTTP/2 server's 'stream' event, synchronously, so a
// listener added after its own reads the response from the stream's
// sentHeaders (a public Node API). Failed connections are the server's
// public 'sessionError' event, and session-failure.ts determines whether the
// stream reset limit closed them. The HTTP/2 servers themselves are reached
// through grpc-js's private field http2Servers, which is checked, as
// reset-limit.ts checks commonServerOptions, so a grpc-js release that
// renames it fails at startup instead of silently counting nothing.
import type http2 from 'node:http2';
import { status as GrpcStatus, type Server } from '@grpc/grpc-js';
import { CtxprocError } from '../errors/codes.js';
import type { GrpcServerOptions, TransportRejection } from './grpc-server.js';
import { countAbortedStream, countStreamReset, noteRequestEnded, sessionFailureOf, watchSession, watchStream } from './session-failure.js';

interface Http2ServersHolder {
  http2Servers?: unknown;
}

/** HTTP status grpc-js sends for a content type that does not start with application/grpc. */
const UNSUPPORTED_MEDIA_TYPE = 415;

/**
 * Calls `onTransportRejection` for every request and connection that grpc-js
 * rejects itself, and `onSessionFailure` for every failed connection. Call it
 * after bindAsync has finished, so that grpc-js's own listeners run first.
 * `methodPaths` are the paths of every registered method.
 */
export function countGrpcJsRejections(
  server: Server,
  methodPaths: ReadonlySet<string>,
  options: Pick<GrpcServerOptions, 'onTransportRejection' | 'onSessionFailure' | 'resetLimit'>,
): void {
  const onRejection = (reason: TransportRejection): void => options.onTransportRejection?.(reason);
  const servers = (server as unknown as Http2ServersHolder).http2Servers;
  if (!(servers instanceof Map)) {
    throw new CtxprocError(
      'CTXPROC_RUNTIME_UNSUPPORTED',
      'this @grpc/grpc-js version has no Server.http2Servers, so the requests it rejects cannot be counted; install the grpc-js version pinned in package.json',
    );
  }

  for (const http2Server of servers.keys() as IterableIterator<http2.Http2Server>) {
    http2Server.on('session', watchSession);
    http2Server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
      watchStream(stream);
      stream.once('end', requestEnded);
      stream.once('aborted', streamAborted);
      stream.once('close', streamClosed);
      const reason = rejectionOf(stream.sentHeaders, headers[':path'], methodPaths);
      if (reason !== null) {
        onRejection(reason);
      }
    });
    http2Server.on('sessionError', (error: Error, session: http2.ServerHttp2Session) => {
      const failure = sessionFailureOf(session, error, options.resetLimit.burst);
      onRejection(failure.reason);
      options.onSessionFailure?.(failure);
    });
  }
}

function requestEnded(this: http2.ServerHttp2Stream): void {
  noteRequestEnded(this);
}

function streamAborted(this: http2.ServerHttp2Stream): void {
  countAbortedStream(this);
}

function streamClosed(this: http2.ServerHttp2Stream): void {
  countStreamReset(this);
}

/** Returns why grpc-js rejected a stream, from what it already sent, or null when a handler took it. */
function rejectionOf(sent: http2.OutgoingHttpHeaders | undefined, path: string | undefined, methodPaths: ReadonlySet<string>): TransportRejection | null {
  if (sent === undefined) {
    return null;
  }
  if (Number(sent[':status']) === UNSUPPORTED_MEDIA_TYPE) {
    return 'unsupported_request';
  }
  // ctxproc's handlers could end a call at once too, so the path must be unregistered as well.
  if (Number(sent['grpc-status']) === GrpcStatus.UNIMPLEMENTED && (path === undefined || !methodPaths.has(path))) {
    return 'unknown_method';
  }
  return null;
}
