// Raises Node's HTTP/2 limit on incoming stream resets for a grpc-js server.
//
// Envoy ends every ext_proc stream with RST_STREAM unless its runtime guard
// envoy.reloadable_features.ext_proc_graceful_grpc_close is on. Node's HTTP/2
// server (nghttp2) accepts a burst of 1000 resets and then 33 per second. Past
// that it tears down the whole connection, failing every stream on it. One
// Envoy worker sends all of its ext_proc streams over one connection, so any
// worker above about 33 requests per second would trip it.
//
// Node 22 and later accept streamResetBurst and streamResetRate on
// http2.createServer. grpc-js 1.14 builds its HTTP/2 server options in the
// Server constructor (the private field commonServerOptions) and passes them
// unchanged to http2.createServer on every bind, but offers no channel option
// for these two. This adapter adds them to that object between construction
// and bind. It checks that the field exists, so a grpc-js release that
// renames it fails at startup instead of silently losing the setting;
// package.json pins grpc-js to the version this was checked against.
import type { Server } from '@grpc/grpc-js';
import { CtxprocError } from '../errors/codes.js';

export interface ResetLimit {
  /** Resets accepted in a burst. */
  burst: number;
  /** Resets per second accepted after the burst. */
  ratePerSecond: number;
}

interface Http2OptionsHolder {
  commonServerOptions?: Record<string, unknown>;
}

/** Sets the reset limit on a grpc-js Server; call before bindAsync. */
export function applyResetLimit(server: Server, limit: ResetLimit): void {
  const holder = server as unknown as Http2OptionsHolder;
  const options = holder.commonServerOptions;

  if (!options || typeof options !== 'object') {
    throw new CtxprocError(
      'CTXPROC_RUNTIME_UNSUPPORTED',
      'this @grpc/grpc-js version has no Server.commonServerOptions, so the HTTP/2 stream reset limit cannot be raised; install the grpc-js version pinned in package.json',
    );
  }
  options.streamResetBurst = limit.burst;
  options.streamResetRate = limit.ratePerSecond;
}

/** Throws unless this Node.js accepts streamResetBurst and streamResetRate (Node 22 or later). */
export function assertResetLimitSupported(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    throw new CtxprocError(
      'CTXPROC_RUNTIME_UNSUPPORTED',
      `Node.js ${process.versions.node} cannot raise the HTTP/2 stream reset limit, so Envoy's stream resets would drop connections; run ctxproc with Node.js 24 (npm ci installs it, and npm start uses it)`,
    );
  }
}

/**
 * Reset limits below which ctxproc warns at startup. Envoy resets every
 * ext_proc stream, once per HTTP request, and one Envoy worker sends all of
 * its ext_proc streams over one connection, so a worker's reset rate is its
 * request rate. 1,000 requests per second is a modest rate for one worker
 * (an estimate: Envoy workers commonly serve several thousand), and a burst
 * below Node's own default of 1,000 is stricter than Node itself.
 */
export const MIN_EXPECTED_RESET_RATE = 1000;
export const MIN_EXPECTED_RESET_BURST = 1000;

/** Returns the startup warning for reset limits that one Envoy worker can exceed, or null when both are high enough. */
export function lowResetLimitWarning(limit: ResetLimit): string | null {
  if (limit.burst >= MIN_EXPECTED_RESET_BURST && limit.ratePerSecond >= MIN_EXPECTED_RESET_RATE) {
    return null;
  }
  const low: string[] = [];
  if (limit.burst < MIN_EXPECTED_RESET_BURST) {
    low.push(`--reset-burst ${limit.burst} (resets taken at once)`);
  }
  if (limit.ratePerSecond < MIN_EXPECTED_RESET_RATE) {
    low.push(`--reset-rate ${limit.ratePerSecond} (resets per second after the burst)`);
  }
  return `${low.join(' and ')} ${low.length === 1 ? 'is' : 'are'} low: Envoy resets every ext_proc stream, so one Envoy worker's connection reaches the limit once it serves more requests than that. Node then closes the whole connection and fails every stream on it. Keep both at ${MIN_EXPECTED_RESET_RATE} or more (100000 by default)`;
}
