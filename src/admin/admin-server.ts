// The admin HTTP server: liveness, readiness, Prometheus metrics and the
// active rule set with the last rejected one. It binds to loopback by
// default and shows no traffic: rule files, counts, hashes and the problems
// of a rejected set, whose messages quote rule text but never requests.
import http from 'node:http';
import { CtxprocError } from '../errors/codes.js';
import { parseAddress } from '../config/settings.js';
import type { RulesStatus } from '../rules/reload/live-rules.js';
import { isAuthorized, type AdminAccess } from './admin-access.js';

export type { RulesStatus } from '../rules/reload/live-rules.js';

/** A prom-client Registry, or the primary's aggregate of its workers' registries. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface AdminState {
  registry: MetricsSource;
  /** False until the gRPC server serves, and again once shutdown starts. */
  isReady(): boolean;
  rules(): RulesStatus;
  /** The state of each worker process, served on /workers; only `serve --workers` sets it. */
  workers?(): unknown;
}

export interface RunningAdminServer {
  port: number;
  close(): Promise<void>;
}

/** Starts the admin server on `address` ("host:port"); `access` comes from resolveAdminAccess. */
export async function startAdminServer(address: string, state: AdminState, access: AdminAccess = { tokenDigest: null }): Promise<RunningAdminServer> {
  const { host, port } = parseAddress(address, '--admin');
  const server = http.createServer((request, response) => {
    route(state, access, request, response).catch(() => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('admin request failed\n');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new CtxprocError('CTXPROC_CONFIG_INVALID', `cannot listen on admin address ${address}: ${error.message}; choose a free address with --admin`)));
    server.listen(port, host, () => resolve());
  });

  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound ? bound.port : port,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function route(state: AdminState, access: AdminAccess, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }

  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (!isAuthorized(access, path, request)) {
    response.writeHead(401, { 'www-authenticate': 'Bearer realm="ctxproc-admin"', 'content-type': 'text/plain' }).end('unauthorized: send Authorization: Bearer <token from --admin-token-file>\n');
    return;
  }
  switch (path) {
    case '/healthz':
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    case '/readyz': {
      const ready = state.isReady();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
      return;
    }
    case '/metrics': {
      const body = await state.registry.metrics();
      response.writeHead(200, { 'content-type': state.registry.contentType }).end(body);
      return;
    }
    case '/rules':
      response.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(state.rules())}\n`);
      return;
    case '/workers':
      if (state.workers) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(state.workers())}\n`);
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /workers exists only with serve --workers\n');
      return;
    default:
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz, /readyz, /metrics or /rules\n');
  }
}
