// Measures detection through a running ctxproc. Each go-ftw stage is sent
// with the Envoy-faithful client to an in-process server that runs the
// shipped rules. A test counts as detected when the security event of its
// transaction carries the class, as an `attack.<class>` or `leak.<class>`
// tag or a log_payload entry. Events are matched to tests by x-request-id.
import { PassThrough } from 'node:stream';
import { EnvoyClient } from '../../client/envoy-client.js';
import type { HttpRequestSpec } from '../../client/types.js';
import { defaultSettings } from '../../config/settings.js';
import { createLogger } from '../../log/logger.js';
import { expandReplayPaths, readReplayFile } from '../../replay/files.js';
import type { FtwItem } from '../../replay/items.js';
import { reflectUpstream } from '../../replay/reflect-upstream.js';
import { startService } from '../../service.js';
import { attackClassOf, benignClassesOf, type CrsRule } from './crs-classes.js';
import { CorpusTally, requestKey } from './tally.js';

export interface ServerMeasureOptions {
  /** Rules file or folder the server loads. */
  rules: string;
  /** Transactions in flight at once. */
  concurrency?: number;
}

// Envoy's default message timeout is 200 ms. A loaded CI machine can exceed
// it, and a timeout would then hide a detection, so the limit is raised.
const MESSAGE_TIMEOUT_MS = 5000;
const DEFAULT_CONCURRENCY = 8;
const TAG_PREFIXES = ['attack.', 'leak.'];

interface PendingTest {
  item: FtwItem;
  requestId: string;
}

/** Replays every go-ftw stage under `paths` through a ctxproc server and tallies the events. */
export async function measureThroughServer(paths: string[], rules: ReadonlyMap<number, CrsRule>, options: ServerMeasureOptions): Promise<CorpusTally> {
  const tally = new CorpusTally();
  const tests = await collectTests(paths, rules, tally);
  const classesById = await replayAll(tests, options);

  for (const test of tests) {
    const expectIds = test.item.expect.ids ?? [];
    tally.add({
      source: test.item.source,
      attackClass: attackClassOf(expectIds, rules),
      benignClasses: expectIds.length === 0 ? benignClassesOf(test.item.expect.noIds ?? [], rules) : [],
      detectedClasses: classesById.get(test.requestId) ?? new Set(),
      requestKey: requestKey(test.item.request),
      request: test.item.request,
    });
  }
  return tally;
}

async function collectTests(paths: string[], rules: ReadonlyMap<number, CrsRule>, tally: CorpusTally): Promise<PendingTest[]> {
  const tests: PendingTest[] = [];
  for (const file of await expandReplayPaths(paths)) {
    for (const item of await readReplayFile(file)) {
      if (item.kind === 'skipped') {
        tally.addSkipped();
      } else if (item.kind === 'ftw') {
        const expectIds = item.expect.ids ?? [];
        if (expectIds.length > 0 && attackClassOf(expectIds, rules) === undefined) {
          tally.addOutOfScope();
        } else {
          tests.push({ item, requestId: `corpus-${tests.length + 1}` });
        }
      }
    }
  }
  return tests;
}

async function replayAll(tests: PendingTest[], options: ServerMeasureOptions): Promise<Map<string, Set<string>>> {
  const classesById = new Map<string, Set<string>>();
  const events = new PassThrough();
  collectEventClasses(events, classesById);

  const settings = { ...defaultSettings(), rules: options.rules, listen: '127.0.0.1:0' };
  const logger = createLogger({ level: 'error', destination: 2 });
  const service = await startService({ settings, logger, admin: false, processMetrics: false, eventDestination: events });
  const client = new EnvoyClient({
    target: `127.0.0.1:${service.grpcPort}`,
    messageTimeoutMs: MESSAGE_TIMEOUT_MS,
    processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' },
  });

  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < tests.length; index = next++) {
        const test = tests[index]!;
        await client.run(withRequestId(test.item.request, test.requestId), reflectUpstream);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? DEFAULT_CONCURRENCY }, worker));
  } finally {
    client.close();
    await service.stop();
  }
  events.end();
  return classesById;
}

function withRequestId(request: HttpRequestSpec, requestId: string): HttpRequestSpec {
  const headers = request.headers.filter(([name]) => name !== 'x-request-id');
  headers.push(['x-request-id', requestId]);
  return { ...request, headers };
}

function collectEventClasses(stream: PassThrough, classesById: Map<string, Set<string>>): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      recordEvent(JSON.parse(pending.slice(0, newline)) as SecurityEventView, classesById);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
}

interface SecurityEventView {
  http?: { request_id?: string };
  ctxproc?: { tags?: Record<string, string>; payloads?: Array<{ class?: string }> };
}

function recordEvent(event: SecurityEventView, classesById: Map<string, Set<string>>): void {
  const requestId = event.http?.request_id;
  if (requestId === undefined) {
    return;
  }
  const classes = classesById.get(requestId) ?? new Set<string>();
  for (const key of Object.keys(event.ctxproc?.tags ?? {})) {
    const prefix = TAG_PREFIXES.find((candidate) => key.startsWith(candidate));
    if (prefix !== undefined) {
      classes.add(key.slice(prefix.length));
    }
  }
  for (const payload of event.ctxproc?.payloads ?? []) {
    if (payload.class !== undefined) {
      classes.add(payload.class);
    }
  }
  classesById.set(requestId, classes);
}
