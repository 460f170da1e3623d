// replayFiles end to end: fixture files through the Envoy-faithful client
// against a small grpc-js ext_proc server started on loopback by each test.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { decodeRequest, encodeResponse, rawProcessService } from '../../src/protocol/codec.js';
import type { HeaderValue, ProcessingRequest, ProcessingResponse } from '../../src/protocol/messages.js';
import { jsonToStruct } from '../../src/protocol/struct.js';
import { expandReplayPaths } from '../../src/replay/files.js';
import type { ReplayItem } from '../../src/replay/items.js';
import { formatSummary, listenerPort, replayFailed, replayFiles } from '../../src/replay/run.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const HAR_FIXTURE = path.join(REPO_ROOT, 'test/fixtures/har/shop-session.har');
const FTW_FIXTURES = path.join(REPO_ROOT, 'test/fixtures/ftw');

type Handler = (request: ProcessingRequest) => ProcessingResponse | null;

/** Starts a grpc-js ext_proc server on 127.0.0.1 that replies to each message with `handle`. */
async function startServer(t: TestContext, handle: Handler): Promise<{ target: string; received: ProcessingRequest[] }> {
  const received: ProcessingRequest[] = [];
  const server = new Server();
  server.addService(rawProcessService, {
    Process: (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (bytes: Buffer) => {
        const request = decodeRequest(bytes);
        received.push(request);
        const response = handle(request);
        if (response !== null) {
          call.write(encodeResponse(response));
        }
      });
      call.on('end', () => call.end());
      // The client resets each stream when its transaction ends, as Envoy does.
      call.on('error', () => {});
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  t.after(() => server.forceShutdown());
  return { target: `127.0.0.1:${port}`, received };
}

function headerOf(headers: HeaderValue[] | undefined, name: string): string | undefined {
  const header = headers?.find((entry) => entry.key === name);
  return header === undefined ? undefined : Buffer.from(header.raw_value ?? []).toString('latin1');
}

const LOGGED = jsonToStruct({ ctxproc: { logged: true } });

/**
 * CONTINUE for every message; `ctxproc.logged` for responses of status 400 or
 * more; an immediate 403 for /api/login; a header added to requests for /post.
 */
const ctxprocLike: Handler = (request) => {
  switch (request.request) {
    case 'request_headers': {
      const headers = request.request_headers?.headers?.headers;
      const path = headerOf(headers, ':path') ?? '';
      if (path.startsWith('/api/login')) {
        return { immediate_response: { status: { code: 403 }, body: Buffer.from('blocked'), details: 'ctxproc_blocked' }, dynamic_metadata: LOGGED };
      }
      const mutation = path === '/post' ? { set_headers: [{ header: { key: 'x-ctxproc-seen', raw_value: Buffer.from('1') } }] } : null;
      return { request_headers: { response: { header_mutation: mutation } } };
    }
    case 'request_body':
      return { request_body: { response: {} } };
    case 'request_trailers':
      return { request_trailers: {} };
    case 'response_headers': {
      const status = Number(headerOf(request.response_headers?.headers?.headers, ':status'));
      return status >= 400 ? { response_headers: { response: {} }, dynamic_metadata: LOGGED } : { response_headers: { response: {} } };
    }
    case 'response_body':
      return { response_body: { response: {} } };
    case 'response_trailers':
      return { response_trailers: {} };
    default:
      return null;
  }
};

test('replay runs HAR and go-ftw fixtures through a server', async (t) => {
  const { target, received } = await startServer(t, ctxprocLike);
  const results: Array<[ReplayItem, number]> = [];
  const marked: string[] = [];
  const summary = await replayFiles([HAR_FIXTURE, FTW_FIXTURES], {
    target,
    concurrency: 4,
    clientOptions: { processingMode: { request_body_mode: 'BUFFERED' }, messageTimeoutMs: 2000 },
    onResult: (item, result) => {
      results.push([item, result.downstreamResponse.status]);
      if (result.upstreamRequest?.headers.some(([name]) => name === 'x-ctxproc-seen')) {
        marked.push(item.source);
      }
    },
  });
  t.diagnostic(formatSummary(summary));

  assert.equal(summary.files, 3);
  assert.equal(summary.transactions, 13, 'HAR 4 of 5 entries, 100001.yaml 7 of 9 stages, 100002.yaml 2 of 4');
  assert.equal(summary.skipped, 5);
  assert.deepEqual(summary.skipped_by_reason, {
    har_no_response: 1,
    http1_version_not_accepted: 1,
    http1_invalid_method: 1,
    http1_incomplete_headers: 1,
    http1_invalid_characters: 1,
  });
  assert.equal(summary.blocked, 1, 'the login POST');
  assert.equal(summary.logged, 3, 'the blocked login, the HAR 404 and the reflected 500');
  assert.equal(summary.mutated, 3);
  assert.deepEqual(marked.sort(), ['100001.yaml#test 1 stage 1', '100001.yaml#test 4 stage 2', '100002.yaml#test 1 stage 1']);
  assert.equal(summary.protocol_errors, 0);
  assert.equal(summary.timeouts, 0);
  assert.equal(summary.failed, 0);
  assert.deepEqual(summary.errors_by_kind, {});
  assert.equal(replayFailed(summary), false);

  const statuses = new Map(results.map(([item, status]) => [item.source, status]));
  assert.equal(statuses.get('shop-session.har#2'), 403);
  assert.equal(statuses.get('shop-session.har#3'), 404);
  assert.equal(statuses.get('100001.yaml#test 4 stage 3'), 500);
  assert.equal(statuses.get('100001.yaml#test 1 stage 1'), 200);

  const authorities = received.map((message) => headerOf(message.request_headers?.headers?.headers, ':authority')).filter((value) => value !== undefined);
  assert.ok(authorities.includes('shop.example.com'), 'recorded hosts reach the server as :authority only');
  assert.ok(received.every((message) => message.attributes === undefined || Object.keys(message.attributes).length <= 1));
});

test('replay sends loopback source attributes', async (t) => {
  const { target, received } = await startServer(t, ctxprocLike);
  await replayFiles([path.join(FTW_FIXTURES, '100002.yaml')], { target, concurrency: 1, clientOptions: { messageTimeoutMs: 2000 } });

  const first = received.find((message) => message.request === 'request_headers');
  const fields = first?.attributes?.['envoy.filters.http.ext_proc']?.fields ?? {};
  assert.equal(fields['source.address']?.stringValue, '127.0.0.1:50000');
  assert.equal(fields['source.port']?.numberValue, 50000);
  assert.equal(fields['destination.address']?.stringValue, '127.0.0.1:80');
});

test('replay sends port 443 as the destination of https requests', async (t) => {
  const { target, received } = await startServer(t, ctxprocLike);
  await replayFiles([HAR_FIXTURE], { target, concurrency: 1, clientOptions: { messageTimeoutMs: 2000 } });

  const first = received.find((message) => message.request === 'request_headers');
  const scheme = headerOf(first?.request_headers?.headers?.headers, ':scheme');
  const fields = first?.attributes?.['envoy.filters.http.ext_proc']?.fields ?? {};
  assert.equal(scheme, 'https');
  assert.equal(fields['destination.address']?.stringValue, '127.0.0.1:443');
  assert.equal(fields['destination.port']?.numberValue, 443);
});

test('replay takes the listener port from the authority, else from the scheme', () => {
  assert.equal(listenerPort('https', 'a.example:8443'), 8443);
  assert.equal(listenerPort('http', '[2001:db8::1]:8080'), 8080);
  assert.equal(listenerPort('https', 'a.example'), 443);
  assert.equal(listenerPort('http', '[2001:db8::1]'), 80);
  assert.equal(listenerPort('https', 'a.example:0'), 443);
  assert.equal(listenerPort('https', 'a.example:99999'), 443);
});

test('replay counts timeouts of a silent server', async (t) => {
  const { target } = await startServer(t, () => null);
  const summary = await replayFiles([path.join(FTW_FIXTURES, '100002.yaml')], { target, clientOptions: { messageTimeoutMs: 50 } });

  assert.equal(summary.transactions, 2);
  assert.equal(summary.timeouts, 2);
  assert.deepEqual(summary.errors_by_kind, { timeout: 2, 'ext_proc_error_per-message_timeout_exceeded': 2 });
  assert.equal(replayFailed(summary), true);
});

test('replay counts protocol errors from a wrong reply', async (t) => {
  const { target } = await startServer(t, (request) => (request.request === 'request_headers' ? { response_headers: { response: {} } } : null));
  const summary = await replayFiles([path.join(FTW_FIXTURES, '100002.yaml')], { target, clientOptions: { messageTimeoutMs: 1000 } });

  assert.equal(summary.transactions, 2);
  assert.equal(summary.protocol_errors, 2);
  assert.equal(summary.blocked, 0);
  assert.equal(replayFailed(summary), true);
});

test('replay records files it cannot parse and goes on', async (t) => {
  const { target } = await startServer(t, ctxprocLike);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-replay-'));
  t.after(() => fs.rmSync(directory, { recursive: true, force: true }));
  fs.writeFileSync(path.join(directory, 'broken.har'), '{"log": {');
  fs.copyFileSync(path.join(FTW_FIXTURES, '100002.yaml'), path.join(directory, '100002.yml'));

  const summary = await replayFiles([directory], { target, clientOptions: { messageTimeoutMs: 2000 } });
  assert.equal(summary.files, 2);
  assert.equal(summary.file_errors.length, 1);
  assert.match(summary.file_errors[0]!.error, /broken\.har is not valid JSON/);
  assert.equal(summary.transactions, 2);
  assert.equal(replayFailed(summary), true);
});

test('replay skips an entry Envoy rejects for its header count', async (t) => {
  const { target, received } = await startServer(t, ctxprocLike);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-replay-'));
  t.after(() => fs.rmSync(directory, { recursive: true, force: true }));
  const manyHeaders = Array.from({ length: 10_000 }, (_, index) => ({ name: `x-h${index}`, value: 'v' }));
  const entries = [
    { request: { method: 'GET', url: 'http://shop.example/post', headers: manyHeaders }, response: { status: 200, headers: [] } },
    { request: { method: 'GET', url: 'http://shop.example/post', headers: [] }, response: { status: 200, headers: [] } },
  ];
  fs.writeFileSync(path.join(directory, 'many.har'), JSON.stringify({ log: { entries } }));

  const summary = await replayFiles([directory], { target, clientOptions: { messageTimeoutMs: 2000 } });

  assert.equal(summary.transactions, 1);
  assert.equal(summary.skipped, 1);
  assert.equal(summary.skipped_by_reason.har_too_many_headers, 1);
  assert.equal(summary.protocol_errors, 0);
  assert.equal(replayFailed(summary), false);
  assert.equal(received.filter((request) => request.request === 'request_headers').length, 1);
});

test('replay rejects an invalid concurrency', async () => {
  await assert.rejects(replayFiles([FTW_FIXTURES], { target: '127.0.0.1:1', concurrency: 0 }), /replay concurrency 0 is invalid/);
});

test('replay paths expand folders recursively and keep named files', async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-replay-'));
  t.after(() => fs.rmSync(directory, { recursive: true, force: true }));
  fs.mkdirSync(path.join(directory, 'nested/.hidden'), { recursive: true });
  fs.writeFileSync(path.join(directory, 'b.yaml'), 'tests: []\n');
  fs.writeFileSync(path.join(directory, 'nested/a.har'), '{}');
  fs.writeFileSync(path.join(directory, 'nested/c.yml'), 'tests: []\n');
  fs.writeFileSync(path.join(directory, 'nested/notes.txt'), 'not replayed');
  fs.writeFileSync(path.join(directory, 'nested/.hidden/d.yaml'), 'tests: []\n');
  fs.symlinkSync(directory, path.join(directory, 'nested/loop'));
  const named = path.join(directory, 'nested/notes.txt');

  const files = await expandReplayPaths([directory, named]);
  assert.deepEqual(
    files.map((file) => [path.relative(directory, file.path), file.kind]),
    [
      ['b.yaml', 'ftw'],
      ['nested/a.har', 'har'],
      ['nested/c.yml', 'ftw'],
      ['nested/notes.txt', 'ftw'],
    ],
  );
  await assert.rejects(expandReplayPaths([path.join(directory, 'missing.har')]), /replay input .*missing\.har cannot be read \(ENOENT\)/);
});

test('replay adds x-request-id like Envoy', async (t) => {
  const { target, received } = await startServer(t, ctxprocLike);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ctxproc-request-id-'));
  const file = path.join(directory, 'ids.yaml');
  fs.writeFileSync(file, [
    'tests:',
    '  - test_id: 1',
    '    stages:',
    '      - input: { method: GET, uri: /a, headers: { Host: example.test } }',
    '        output: { status: 200 }',
    '  - test_id: 2',
    '    stages:',
    '      - input: { method: GET, uri: /b, headers: { Host: example.test, X-Request-Id: recorded-id-7 } }',
    '        output: { status: 200 }',
  ].join('\n'));

  const summary = await replayFiles([file], { target, concurrency: 1 });

  assert.equal(summary.transactions, 2, formatSummary(summary));
  const ids = received.filter((request) => request.request === 'request_headers').map((request) => headerOf(request.request_headers?.headers?.headers, 'x-request-id'));
  assert.equal(ids.length, 2);
  assert.match(ids[0] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a generated UUID version 4');
  assert.equal(ids[1], 'recorded-id-7', 'a recorded id is kept');
  assert.equal(summary.mutated, 0, 'the added id is not a mutation');
});
