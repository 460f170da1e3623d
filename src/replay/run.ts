// `ctxproc replay`: sends recorded or test traffic through the Envoy-faithful
// client to an ext_proc server and counts what the server did with it.
//
// Replay talks only to `target` and to in-process upstreams (the recorded
// HAR response, or the reflecting upstream). It never resolves or connects
// to a host that a recording names.
import { EnvoyClient, type ClientOptions, type HttpRequestSpec, type HttpResponseSpec, type JsonValue, type TransactionResult, type Upstream } from '../client/envoy-client.js';
import { expandReplayPaths, readReplayFile, type ReplayFile } from './files.js';
import { withRequestId } from './forwarded-headers.js';
import type { Http1Settings } from './http1-admission.js';
import type { ParsedItem, ReplayItem, SkippedItem } from './items.js';
import { classifyResult } from './outcome.js';
import { reflectUpstream } from './reflect-upstream.js';
import { SummaryBuilder, type ReplaySummary } from './summary.js';

export { formatSummary, replayFailed, type ReplaySummary } from './summary.js';

export interface ReplayOptions {
  /** ext_proc server address, host:port. */
  target: string;
  /** Transactions in flight at once; default 16. */
  concurrency?: number;
  /** Accepted for the CLI, which prints the summary as JSON; it does not change the run. */
  json?: boolean;
  /** Client settings; `target` above wins over one given here. */
  clientOptions?: Partial<ClientOptions>;
  /** Envoy HTTP/1 settings that decide which go-ftw stages Envoy would reject. */
  http1?: Http1Settings;
  /** Called after each transaction, in completion order. */
  onResult?: (item: ReplayItem, result: TransactionResult) => void;
  /** Called for each item that is not sent. */
  onSkipped?: (item: SkippedItem) => void;
  /** Once aborted, no further transaction starts; those in flight finish and are counted. */
  signal?: AbortSignal;
}

export const DEFAULT_CONCURRENCY = 16;

// Envoy sends `source.address` as "ip:port" and `source.port` apart. Replay
// plays a downstream client on loopback with a fixed ephemeral port, and an
// Envoy listener on 127.0.0.1 at the port the recorded request went to: the
// port in its authority, else 80 for http (the address go-ftw tests are
// written for) and 443 for https.
const REPLAY_PEER_PORT = 50000;
const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

function listenerAttributes(port: number): Record<string, JsonValue> {
  return {
    'source.address': `127.0.0.1:${REPLAY_PEER_PORT}`,
    'source.port': REPLAY_PEER_PORT,
    'destination.address': `127.0.0.1:${port}`,
    'destination.port': port,
  };
}

/** Returns the port of `authority` (`host:port` or `[v6]:port`) when it names a valid one, else the scheme's default. */
export function listenerPort(scheme: string, authority: string): number {
  const match = /:(\d{1,5})$/.exec(authority);
  const port = match === null ? NaN : Number(match[1]);
  if (Number.isInteger(port) && port >= 1 && port <= 65_535) {
    return port;
  }
  return DEFAULT_PORTS[scheme] ?? DEFAULT_PORTS.http!;
}

/** Replays every HAR and go-ftw file under `paths` and returns the counts. */
export async function replayFiles(paths: string[], options: ReplayOptions): Promise<ReplaySummary> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`replay concurrency ${String(concurrency)} is invalid; pass a whole number of 1 or more`);
  }

  const files = await expandReplayPaths(paths);
  const summary = new SummaryBuilder();
  // One client per listener port, since a client sends the same attributes on every stream.
  const clients = new Map<number, EnvoyClient>();
  const clientFor = (request: HttpRequestSpec): EnvoyClient => {
    const port = listenerPort(request.scheme, request.authority);
    let client = clients.get(port);
    if (client === undefined) {
      client = new EnvoyClient({
        ...options.clientOptions,
        target: options.target,
        requestAttributes: { ...listenerAttributes(port), ...options.clientOptions?.requestAttributes },
      });
      clients.set(port, client);
    }
    return client;
  };

  try {
    const items = itemsOf(files, options, summary);
    await runPool(items, concurrency, (item) => replayItem(clientFor, item, options, summary), options.signal);
  } finally {
    for (const client of clients.values()) {
      client.close();
    }
  }
  return summary.finish();
}

async function* itemsOf(files: ReplayFile[], options: ReplayOptions, summary: SummaryBuilder): AsyncGenerator<ParsedItem> {
  for (const file of files) {
    summary.addFile();
    let items: ParsedItem[];
    try {
      items = await readReplayFile(file, { http1: options.http1 });
    } catch (error) {
      summary.addFileError(file.path, error as Error);
      continue;
    }
    yield* items;
  }
}

// Workers pull from one shared iterator, so at most `concurrency` items are
// in flight and files are read only as fast as transactions finish.
async function runPool<T>(source: AsyncIterator<T>, concurrency: number, work: (value: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const worker = async (): Promise<void> => {
    for (let next = await source.next(); next.done !== true && signal?.aborted !== true; next = await source.next()) {
      await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function replayItem(clientFor: (request: HttpRequestSpec) => EnvoyClient, item: ParsedItem, options: ReplayOptions, summary: SummaryBuilder): Promise<void> {
  if (item.kind === 'skipped') {
    summary.addSkipped(item);
    options.onSkipped?.(item);
    return;
  }

  const upstream = recordingUpstream(item);
  const request = { ...item.request, headers: withRequestId([...item.request.headers]) };
  let result: TransactionResult;
  try {
    result = await clientFor(request).run(request, upstream.call);
  } catch (error) {
    // run() reports errors in its result; it throws only on misuse or a bug.
    summary.addFailure(`client_error:${(error as Error).message.slice(0, 100)}`);
    return;
  }
  summary.addOutcome(classifyResult(request, upstream.returned(), result));
  options.onResult?.(item, result);
}

// Wraps the item's upstream so the response it returned can be compared
// with what reached the downstream client.
function recordingUpstream(item: ReplayItem): { call: Upstream; returned: () => HttpResponseSpec | null } {
  let returned: HttpResponseSpec | null = null;
  const call: Upstream = (request) => {
    const response = item.kind === 'har' ? copyResponse(item.response) : reflectUpstream(request);
    returned = copyResponse(response);
    return response;
  };
  return { call, returned: () => returned };
}

// The client may change the response it is given, so each call gets a copy.
function copyResponse(response: HttpResponseSpec): HttpResponseSpec {
  const copy: HttpResponseSpec = { status: response.status, headers: response.headers.map(([name, value]) => [name, value]) };
  if (response.body !== undefined) {
    copy.body = Buffer.from(response.body);
  }
  if (response.trailers !== undefined) {
    copy.trailers = response.trailers.map(([name, value]) => [name, value]);
  }
  return copy;
}
