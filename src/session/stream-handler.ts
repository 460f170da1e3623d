// Connects one grpc-js Process call to one Transaction: decodes each message,
// sends the reply, ends the stream on a protocol violation, and writes the
// security event once, however the stream ends. A cancel (HTTP/2 reset) is
// how Envoy ends streams by default, so it is a normal end, not an error.
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ERROR_CODES, type ErrorCode } from '../errors/codes.js';
import type { StreamEnd, Metrics } from '../metrics/metrics.js';
import { decodeSessionRequest } from '../protocol/request-decoder.js';
import type { ProcessingRequest } from '../protocol/messages.js';
import { connectionOf, peerOf, type FramingFault, type ProcessCall } from '../transport/process-call.js';
import { ConnectionLogLimit } from './connection-log-limit.js';
import { OpenStreams, type StreamRejection } from './open-streams.js';
import { ReplyBudget, type ConnectionKey } from './reply-budget.js';
import { ReplyWriter } from './reply-writer.js';
import { Transaction, type HeaderSection, type RuleRunner, type TransactionOptions } from './transaction.js';

/** Services the handler uses from the rest of ctxproc. */
export interface StreamContext {
  /** Starts the rules for a new transaction on the rule set active now. */
  startRules(): { runner: RuleRunner; rulesVersion: string };
  /** Writes the security event of a finished transaction, if its rules asked for one. */
  emitEvent(transaction: Transaction, end: StreamEnd): void;
  metrics: Metrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** Headers of one message kept for rules and events. */
  maxHeaders: number;
  /** Largest ProcessingRequest accepted, in bytes. */
  maxMessageBytes: number;
  /** Milliseconds a stream may carry no message before ctxproc ends it with OK. */
  streamIdleTimeoutMs: number;
  /** Streams open at once across all connections; past it the connections holding the most get no new streams (open-streams.ts). */
  maxOpenStreams: number;
  /** Unsent reply bytes across all streams, past which new streams are rejected. */
  maxUnsentReplyBytes: number;
  /** Called with every open transaction so shutdown can finish them. */
  track(transaction: Transaction): () => void;
  /** True when shutdown closed the transaction's stream at the end of the grace period. */
  wasCutAtShutdown(transaction: Transaction): boolean;
}

/** Length of the window in which one connection's rejections over --max-open-streams get one log line, in milliseconds. */
const OVER_CAP_LOG_WINDOW_MS = 10_000;

/** Log lines for rejections over --max-open-streams in one window across all connections. */
const OVER_CAP_LOG_LINES_PER_WINDOW = 20;

/** Returns the grpc-js handler for ExternalProcessor/Process. */
export function createProcessHandler(context: StreamContext) {
  const protocolLog = rateLimitedWarn(context.logger);
  const optionsOf = transactionOptions(context);
  const openStreams = new OpenStreams(context.maxOpenStreams);
  const overCapLog = new ConnectionLogLimit({ windowMs: OVER_CAP_LOG_WINDOW_MS, maxLinesPerWindow: OVER_CAP_LOG_LINES_PER_WINDOW });
  const budget = new ReplyBudget(context.maxUnsentReplyBytes);
  context.metrics.watchUnsentReplies(() => budget.unsentBytes);

  return function handleProcess(call: ProcessCall): void {
    const connection = connectionOf(call);
    const rejection = openStreams.rejectionFor(connection);
    if (rejection !== null) {
      rejectOverCap(context, call, rejection, openStreams.count, openStreams.countOf(connection), overCapLog.take(connection, Date.now()));
      return;
    }
    if (budget.exhaustedFor(connection)) {
      rejectOverBudget(context, call, protocolLog, budget, connection);
      return;
    }
    openStreams.add(connection);

    const { runner, rulesVersion } = context.startRules();
    const transaction = new Transaction(runner, optionsOf(rulesVersion));
    const untrack = context.track(transaction);
    const replies = new ReplyWriter(call, context.metrics.streamsPaused, budget, connection);
    context.metrics.streamsActive.inc();

    let ended = false;
    // Envoy treats a stream that the server ends with OK as processing
    // complete and lets the request go on, so an idle end fails no request.
    const idleTimer = setTimeout(() => {
      transaction.notes.push(`the stream carried no message for ${context.streamIdleTimeoutMs} ms, so ctxproc ended it (--stream-idle-timeout)`);
      end('idle_timeout');
      call.end();
    }, context.streamIdleTimeoutMs);
    idleTimer.unref();

    const end = (reported: StreamEnd): void => {
      if (ended) {
        return;
      }
      ended = true;
      // The transport reports a stream closed at shutdown as a reset, which
      // alone would read as 'completed'.
      const streamEnd = context.wasCutAtShutdown(transaction) ? 'shutdown_timeout' : reported;
      openStreams.remove(connection);
      clearTimeout(idleTimer);
      replies.releaseWhenClosed();
      untrack();
      context.metrics.countStreamEnd(streamEnd);
      finishTransaction(context, transaction, streamEnd);
      transaction.release();
    };

    let failed = false;
    const fail = (failure: { code: ErrorCode; message: string }): void => {
      context.metrics.protocolErrors.labels(failure.code).inc();
      protocolLog(failure.code, transaction.exchange.id, failure.message);
      failed = true;
      end('protocol_error');
      call.emit('error', { code: ERROR_CODES[failure.code].grpcStatus, details: `${failure.code}: ${failure.message}` });
    };

    call.on('data', (bytes: Buffer) => {
      if (failed) {
        return;
      }
      idleTimer.refresh();
      const failure = handleMessage(context, replies, transaction, bytes);
      if (failure) {
        fail(failure);
        return;
      }
      if (transaction.isFinished) {
        end('completed');
      }
    });
    // Both transports read the length prefix and stop there, so the message is never buffered.
    call.on('oversized', (length: number) => {
      if (!failed) {
        fail(tooLarge(context, transaction, length));
      }
    });

    call.on('malformed', (fault: FramingFault) => {
      if (!failed) {
        fail(malformed(transaction, fault));
      }
    });

    // Half-close: Envoy's graceful close, or a client done sending. End with
    // OK at once so Envoy does not wait for its remote close timeout.
    // Envoy ends a stream with a reset by default and with a half-close when
    // its graceful-close guard is on. Both are normal ends. grpc-js reports
    // either one as 'end' followed by 'cancelled', so the two cannot be
    // distinguished here, and need not be. Answering a half-close with OK at once
    // spares Envoy its remote close timeout.
    call.on('end', () => {
      end('completed');
      call.end();
    });
    call.on('cancelled', () => end('completed'));
    call.on('error', (error: Error & { code?: number }) => {
      // grpc-js delivers the status that ends a protocol violation as an
      // 'error' event too; that one is already counted and logged.
      if (failed) {
        return;
      }
      if (error.code === GrpcStatus.CANCELLED) {
        end('completed');
        return;
      }
      context.logger.warn({ err: { message: error.message, code: error.code }, transaction_id: transaction.exchange.id }, 'ext_proc stream failed');
      end('internal_error');
    });
  };
}

/**
 * Returns the Transaction options for a rule set version. They are the same
 * for every stream until a reload changes the version, so they are built
 * once per version instead of once per stream.
 */
function transactionOptions(context: StreamContext): (rulesVersion: string) => TransactionOptions {
  const onBodyTruncated = (direction: 'request' | 'response'): void => {
    context.metrics.bodyTruncations.labels(direction).inc();
  };
  const onHeadersSkipped = (section: HeaderSection): void => {
    context.metrics.headerSkips.labels(section).inc();
  };
  let options: TransactionOptions | null = null;

  return (rulesVersion) => {
    if (options?.rulesVersion !== rulesVersion) {
      options = { bodyLimitBytes: context.bodyLimitBytes, rulesVersion, onBodyTruncated, maxHeaders: context.maxHeaders, onHeadersSkipped };
    }
    return options;
  };
}

/**
 * Ends a stream at once, before it keeps any state, because too many are
 * open. `logLine` is null when this connection or the window already had
 * its log line.
 */
function rejectOverCap(
  context: StreamContext,
  call: ProcessCall,
  rejection: StreamRejection,
  openCount: number,
  connectionCount: number,
  logLine: { suppressed: number } | null,
): void {
  const code = 'CTXPROC_STREAMS_EXHAUSTED';
  const limit = context.maxOpenStreams;
  const message = rejection === 'hard_limit'
    ? `${openCount} ext_proc streams are open across all connections, the hard limit of twice --max-open-streams (${limit}); every new stream is rejected until some end`
    : `${openCount} ext_proc streams are open across all connections, at least --max-open-streams (${limit}), and this connection holds ${connectionCount} of them, as many as any other connection; its new streams are rejected while connections holding fewer are served`;
  context.metrics.streamsRejected.labels(rejection).inc();

  if (logLine !== null) {
    const peer = peerOf(call);
    const hint = rejection === 'hard_limit'
      ? 'many connections hold streams open; raise --max-open-streams if the memory allows, lower --stream-idle-timeout so that silent streams end sooner, or add instances'
      : `the connection from ${peer} has the most streams, which is not always the client that opened too many: another one may spread its streams over many connections, so compare ctxproc_streams_active with your Envoys' in-flight requests; raise --max-open-streams if the memory allows, or keep other clients off the gRPC port`;
    context.logger.warn(
      { error_code: code, peer, limit: rejection, open_streams: openCount, connection_streams: connectionCount, suppressed: logLine.suppressed, hint },
      `ext_proc stream from ${peer} rejected: ${message}`,
    );
  }
  // Messages that arrive before the status goes out are dropped unread.
  call.on('data', () => {});
  call.on('error', () => {});
  call.emit('error', { code: ERROR_CODES[code].grpcStatus, details: `${code}: ${message}` });
}

/**
 * Ends a stream at once because replies that its connection does not read
 * hold at least its share of the spent budget. The status is a HEADERS frame, which HTTP/2 flow
 * control does not hold back, so the client gets it even with a full window.
 */
function rejectOverBudget(context: StreamContext, call: ProcessCall, protocolLog: ReturnType<typeof rateLimitedWarn>, budget: ReplyBudget, connection: ConnectionKey): void {
  const code = 'CTXPROC_REPLY_BUDGET_EXHAUSTED';
  const message = `${budget.unsentBytes} reply bytes wait for clients to read them, over the limit of ${budget.limitBytes} (--max-unsent-reply-bytes), and ${budget.unsentBytesOf(connection)} of them are this connection's; this stream was rejected until the connection reads its replies`;
  context.metrics.replyBudgetRejections.inc();
  protocolLog(code, '-', message);
  call.on('data', () => {});
  call.on('error', () => {});
  call.emit('error', { code: ERROR_CODES[code].grpcStatus, details: `${code}: ${message}` });
}

/** Processes one raw message; returns a protocol failure, or null when the stream goes on. */
function handleMessage(
  context: StreamContext,
  replies: ReplyWriter,
  transaction: Transaction,
  bytes: Buffer,
): { code: ErrorCode; message: string } | null {
  if (bytes.length > context.maxMessageBytes) {
    return tooLarge(context, transaction, bytes.length);
  }

  let message: ProcessingRequest;
  try {
    message = decodeSessionRequest(bytes);
  } catch (error) {
    return { code: 'CTXPROC_PROTO_UNDECODABLE', message: `ProcessingRequest of ${bytes.length} bytes could not be decoded: ${(error as Error).message}` };
  }

  const phase = Transaction.phaseOf(message);
  if (phase !== null) {
    context.metrics.countPhase(phase);
  }

  let result;
  try {
    result = transaction.receive(message);
  } catch (error) {
    context.logger.error({ err: error, transaction_id: transaction.exchange.id }, 'processing a message failed');
    return { code: 'CTXPROC_STREAM_INTERNAL', message: `processing ${message.request ?? 'message'} failed; see the log for transaction ${transaction.exchange.id}` };
  }

  if (result.kind === 'violation') {
    return { code: result.code, message: result.message };
  }
  if (result.kind === 'reply') {
    replies.send(result.bytes);
  }
  if (result.done) {
    transaction.finish();
  }
  return null;
}

function tooLarge(context: StreamContext, transaction: Transaction, length: number): { code: ErrorCode; message: string } {
  transaction.notes.push(`a ${length}-byte message was rejected: the limit is ${context.maxMessageBytes} bytes (--max-message-bytes)`);
  return { code: 'CTXPROC_PROTO_TOO_LARGE', message: `ProcessingRequest of ${length} bytes is over the limit of ${context.maxMessageBytes} bytes; raise --max-message-bytes if Envoy buffers bodies this large, or check that the client speaks gRPC` };
}

function malformed(transaction: Transaction, fault: FramingFault): { code: ErrorCode; message: string } {
  transaction.notes.push(`the stream's gRPC framing was wrong: ${fault.detail}`);
  if (fault.kind === 'compressed') {
    return { code: 'CTXPROC_PROTO_COMPRESSED', message: `${fault.detail}; ctxproc reads uncompressed messages only, as Envoy sends them, so turn off grpc-encoding on the client` };
  }
  return { code: 'CTXPROC_PROTO_TRUNCATED', message: `${fault.detail}; Envoy sends whole messages, so check the client's gRPC framing` };
}

function finishTransaction(context: StreamContext, transaction: Transaction, how: StreamEnd): void {
  try {
    transaction.finish();
    context.emitEvent(transaction, how);
  } catch (error) {
    context.metrics.eventFailures.inc();
    context.logger.error({ err: error, transaction_id: transaction.exchange.id }, 'writing the security event failed');
  }
}

/**
 * Logs protocol errors at most once per second per error code, with the
 * number suppressed since the last line, so a broken client cannot flood
 * the log. The metric counts every one.
 */
function rateLimitedWarn(logger: Logger) {
  const lastLogged = new Map<string, { at: number; suppressed: number }>();

  return (code: ErrorCode, transactionId: string, message: string): void => {
    const now = Date.now();
    const entry = lastLogged.get(code);
    if (entry && now - entry.at < 1000) {
      entry.suppressed += 1;
      return;
    }
    lastLogged.set(code, { at: now, suppressed: 0 });
    logger.warn({ error_code: code, transaction_id: transactionId, suppressed: entry?.suppressed ?? 0, hint: ERROR_CODES[code].hint }, `protocol error, stream ended: ${message}`);
  };
}
