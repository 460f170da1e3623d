// Access control for the admin endpoints. /metrics and /rules show rule ids, hit
// counts and the rules version: no secret, but a map of what ctxproc looks
// for. On a loopback address only local processes reach them. On any other
// address ctxproc requires a bearer token unless the operator opts out
// explicitly. /healthz and /readyz stay open everywhere, because kubelet
// probes send no credentials and the two reveal only up and ready.
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { CtxprocError } from '../errors/codes.js';

/** Shortest token accepted; a shorter one is easy to guess from a network that reaches the port. */
export const MIN_ADMIN_TOKEN_CHARS = 16;

/** Paths served without a token. */
export const OPEN_ADMIN_PATHS = new Set(['/healthz', '/readyz']);

export interface AdminAccess {
  /** SHA-256 of the token, or null when the protected paths are open. */
  tokenDigest: Buffer | null;
}

/**
 * Decides the access policy for an admin host. Throws CTXPROC_CONFIG_INVALID
 * for a non-loopback host without a token or an explicit opt-out, and for an
 * unreadable or short token file.
 */
export function resolveAdminAccess(host: string, tokenFile: string | null, allowOpen: boolean): AdminAccess {
  if (tokenFile !== null) {
    return { tokenDigest: digest(readToken(tokenFile)) };
  }
  if (isLoopbackHost(host) || allowOpen) {
    return { tokenDigest: null };
  }
  throw new CtxprocError(
    'CTXPROC_CONFIG_INVALID',
    `admin address host "${host}" is not a loopback address, and no --admin-token-file is set, so /metrics and /rules would be open to the network; set --admin-token-file (CTXPROC_ADMIN_TOKEN_FILE), or --admin-allow-open to serve them without a token`,
  );
}

/** True for 127.0.0.0/8, ::1, an IPv4-mapped loopback and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase();
  if (bare === 'localhost') {
    return true;
  }
  if (isIP(bare) === 4) {
    return bare.startsWith('127.');
  }
  return bare === '::1' || bare.startsWith('::ffff:127.');
}

/** True when the request may read `path`: an open path, an open policy, or the right bearer token. */
export function isAuthorized(access: AdminAccess, path: string, request: IncomingMessage): boolean {
  if (access.tokenDigest === null || OPEN_ADMIN_PATHS.has(path)) {
    return true;
  }
  const match = /^Bearer ([^\s]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) {
    return false;
  }
  // Comparing digests of equal length keeps the comparison constant-time whatever the presented length.
  return timingSafeEqual(digest(match[1]!), access.tokenDigest);
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `cannot read the admin token file ${file}: ${(error as Error).message}; check the path given to --admin-token-file`);
  }

  // A Kubernetes Secret or `echo token > file` leaves a trailing newline.
  const token = text.trim();
  if (token.length < MIN_ADMIN_TOKEN_CHARS || /\s/.test(token)) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `the admin token in ${file} is ${token.length} characters long or contains whitespace; use one line of at least ${MIN_ADMIN_TOKEN_CHARS} characters without spaces, for example from \`openssl rand -hex 32\``);
  }
  return token;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
