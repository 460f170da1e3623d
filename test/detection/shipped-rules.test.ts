// The shipped detection rules on a real server. An attack is tagged, its
// payload logged and its block only simulated. An ordinary request gets no
// event, and a leaking response is tagged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import type { HttpRequestSpec, HttpResponseSpec } from '../../src/client/types.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

function request(path: string, requestId: string): HttpRequestSpec {
  return { method: 'GET', path, scheme: 'https', authority: 'shop.test', headers: [['x-request-id', requestId], ['user-agent', 'Mozilla/5.0']] };
}

function upstream(body: string): () => HttpResponseSpec {
  return () => ({ status: 200, headers: [['content-type', 'text/html']], body: Buffer.from(body) });
}

async function withService(run: (service: TestService, client: EnvoyClient) => Promise<void>): Promise<void> {
  const service = await startTestService();
  const client = new EnvoyClient({ target: service.target, messageTimeoutMs: 5000, processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
  try {
    await run(service, client);
  } finally {
    client.close();
    await service.stop();
  }
}

function eventFor(service: TestService, requestId: string): Record<string, any> | undefined {
  return service.events.find((event) => event.http?.request_id === requestId);
}

test('shipped rules tag and log an attack', async () => {
  await withService(async (service, client) => {
    const result = await client.run(request("/items?id=4'%20OR%20'x'%3D'x", 'attack-1'), upstream('<p>ok</p>'));
    await waitFor(() => eventFor(service, 'attack-1') !== undefined);
    const event = eventFor(service, 'attack-1')!;

    assert.equal(result.downstreamResponse.status, 200, 'the block rule must only simulate');
    assert.equal(event.ctxproc.tags['attack.sqli'], 'detected');
    assert.equal(event.ctxproc.payloads[0].class, 'sqli');
    assert.equal(event.ctxproc.payloads[0].location, 'query.id');
    assert.ok(event.ctxproc.simulated.some((entry: { rule: string }) => entry.rule === 'block-injection'));
  });
});

test('shipped rules pass an ordinary request', async () => {
  await withService(async (service, client) => {
    await client.run(request('/items?id=42&sort=price', 'plain-1'), upstream('<p>ok</p>'));
    await client.run(request('/items?id=43', 'plain-2'), upstream('<p>ok</p>'));
    // The transactions run one after another, so once the event of a later
    // attack is written, any event of the plain requests would be too.
    await client.run(request('/items?q=%3Cscript%3Ex()%3C/script%3E', 'marker'), upstream('<p>ok</p>'));
    await waitFor(() => eventFor(service, 'marker') !== undefined);

    assert.equal(eventFor(service, 'plain-1'), undefined);
    assert.equal(eventFor(service, 'plain-2'), undefined);
  });
});

test('shipped rules log a leaking response', async () => {
  await withService(async (service, client) => {
    await client.run(request('/report', 'leak-1'), upstream('Warning: pg_query(): Query failed: ERROR: syntax error at or near "x"'));
    await waitFor(() => eventFor(service, 'leak-1') !== undefined);

    assert.equal(eventFor(service, 'leak-1')!.ctxproc.tags['leak.sql_error'], 'detected');
  });
});
