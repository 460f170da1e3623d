// Each security context action end to end: rules loaded by the real server,
// transactions sent by the Envoy-faithful client, and the checks made on
// what the client and upstream saw, the dynamic metadata and the events.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnvoyClient, type TransactionResult } from '../../src/client/envoy-client.js';
import { startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

const RULES = `apiVersion: ctxproc.dev/v1
kind: RuleSet
metadata: { name: actions }
rules:
  - id: simulate-admin
    description: Would block the admin area, but only simulates.
    when: "request.url_path == '/admin'"
    mode: simulate
    actions:
      - set_header: { to: upstream, name: x-threat, value: "'admin'" }
      - block: { status: 403 }
  - id: grpc-deny
    description: Blocks one gRPC method.
    when: "request.url_path == '/shop.Cart/Delete'"
    actions:
      - block: { status: 403, grpc_message: "deleting carts is disabled" }
  - id: fields
    description: Sets fields and logs.
    when: "request.url_path == '/fields'"
    actions:
      - set_field: { name: team, value: payments }
      - set_field: { name: agent, expression: "request.headers['user-agent']" }
      - log: { message: fields set }
  - id: via
    description: Appends a via header to responses.
    when: "request.url_path == '/append'"
    actions:
      - append_header: { to: downstream, name: via, value: "'1.1 ctxproc'" }
  - id: metadata
    description: Sets metadata for the access log.
    when: "request.url_path == '/meta'"
    actions:
      - set_metadata: { key: threat, value: recon }
      - set_metadata: { key: route, expression: request.url_path }
  - id: debug-session
    description: Traces a debug session for ten minutes.
    when: "request.headers['x-debug'] == 'on'"
    actions:
      - debug: { for: 10m, key: "request.headers['x-debug-session']" }
  - id: limited
    description: Logs at most one event per hour per client.
    when: "request.url_path == '/limited'"
    actions:
      - log: { message: limited, rate_limit: { events: 1, per: 1h, key: "request.headers['x-client']" } }
  - id: attach-payload
    description: Attaches what the detectors matched.
    when: "request.url_path == '/search'"
    actions:
      - log_payload: { max_bytes: 64 }
`;

let ctxproc: TestService;
let rulesDir: string;
let client: EnvoyClient;

/** Sends one request; the upstream returns 200. */
function send(requestPath: string, headers: Array<[string, string]> = [], responseHeaders: Array<[string, string]> = []): Promise<TransactionResult> {
  return client.run(
    { method: 'GET', path: requestPath, scheme: 'https', authority: 'shop.example', headers },
    () => ({ status: 200, headers: [['content-type', 'text/plain'], ...responseHeaders], body: Buffer.from('ok') }),
  );
}

/** Returns the event of the transaction whose ctxproc.transaction_id the metadata names. */
async function eventOf(result: TransactionResult): Promise<Record<string, any>> {
  const id = (result.dynamicMetadata.ctxproc as { transaction_id?: string } | undefined)?.transaction_id;
  assert.ok(id, 'the reply carried no transaction id');
  await waitFor(() => ctxproc.events.some((event) => event.ctxproc.transaction_id === id));
  return ctxproc.events.find((event) => event.ctxproc.transaction_id === id)!;
}

function header(result: TransactionResult, name: string): string[] {
  return result.downstreamResponse.headers.filter(([key]) => key === name).map(([, value]) => value);
}

before(async () => {
  rulesDir = mkdtempSync(path.join(tmpdir(), 'ctxproc-actions-'));
  writeFileSync(path.join(rulesDir, 'actions.yaml'), RULES);
  ctxproc = await startTestService({ rules: rulesDir });
  client = new EnvoyClient({ target: ctxproc.target, requestAttributes: { 'source.address': '203.0.113.9:41000' } });
});

after(async () => {
  client.close();
  await ctxproc.stop();
  rmSync(rulesDir, { recursive: true, force: true });
});

describe('actions through the server', () => {
  it('simulate changes nothing and logs', async () => {
    const result = await send('/admin');
    const event = await eventOf(result);

    assert.equal(result.downstreamResponse.status, 200);
    assert.equal(result.localReply, false);
    assert.ok(!result.upstreamRequest?.headers.some(([name]) => name === 'x-threat'), 'a simulated header reached the upstream');
    assert.deepEqual(event.ctxproc.simulated, [
      { rule: 'simulate-admin', action: 'set_header', detail: 'set upstream header x-threat' },
      { rule: 'simulate-admin', action: 'block', detail: 'block with status 403' },
    ]);
    assert.equal(event.ctxproc.action, 'allowed');
  });

  it('block answers gRPC with a gRPC status', async () => {
    const result = await send('/shop.Cart/Delete', [['content-type', 'application/grpc'], ['te', 'trailers']]);

    assert.equal(result.localReply, true);
    assert.equal(result.downstreamResponse.status, 200);
    assert.deepEqual(header(result, 'grpc-status'), ['7']);
    assert.deepEqual(header(result, 'grpc-message'), ['deleting carts is disabled']);
    assert.deepEqual(header(result, 'content-type'), ['application/grpc']);
    assert.equal(result.upstreamRequest, null);
  });

  it('set_field reaches the event', async () => {
    const event = await eventOf(await send('/fields', [['user-agent', 'curl/8.5']]));

    assert.equal(event.ctxproc.fields.team, 'payments');
    assert.equal(event.ctxproc.fields.agent, 'curl/8.5');
  });

  it('append_header keeps the upstream value', async () => {
    const result = await send('/append', [], [['via', '1.1 upstream']]);

    // Envoy appends to an existing header in place, joined by a comma.
    assert.deepEqual(header(result, 'via'), ['1.1 upstream,1.1 ctxproc']);
  });

  it('set_metadata reaches Envoy', async () => {
    const result = await send('/meta');
    const metadata = result.dynamicMetadata.ctxproc as Record<string, unknown>;

    assert.equal(metadata.threat, 'recon');
    assert.equal(metadata.route, '/meta');
    assert.equal(metadata.action, 'allowed', 'ctxproc keys stay beside the rule keys');
  });

  it('debug traces later requests of the session', async () => {
    const switched = await eventOf(await send('/start', [['x-debug', 'on'], ['x-debug-session', 's-1']]));
    const later = await eventOf(await send('/other', [['x-debug-session', 's-1']]));
    const unrelated = await send('/other', [['x-debug-session', 's-2']]);

    assert.ok(switched.ctxproc.debug.trace.some((entry: { rule: string; result: string }) => entry.rule === 'debug-session' && entry.result === 'matched'));
    const rules = later.ctxproc.debug.trace.map((entry: { rule: string }) => entry.rule);
    assert.deepEqual(rules, ['simulate-admin', 'grpc-deny', 'fields', 'via', 'metadata', 'debug-session', 'limited', 'attach-payload']);
    assert.equal((unrelated.dynamicMetadata.ctxproc as { logged?: boolean }).logged, false, 'an untraced session is not logged');
  });

  it('log_payload attaches the detection', async () => {
    const event = await eventOf(await send(`/search?q=${encodeURIComponent("1' UNION SELECT password FROM users--")}`));
    const payloads = event.ctxproc.payloads as Array<{ rule: string; class: string; location: string; matched: string }>;

    assert.ok(payloads.length > 0, 'no payload attached');
    assert.equal(payloads[0]?.rule, 'attach-payload');
    assert.equal(payloads[0]?.class, 'sqli');
    assert.match(payloads[0]?.location ?? '', /q/);
    assert.match(payloads[0]?.matched ?? '', /UNION/i);
    assert.ok(Buffer.byteLength(payloads[0]?.matched ?? '') <= 64);
  });

  it('rate_limit holds back and reports counts', async () => {
    const first = await send('/limited', [['x-client', 'c-1']]);
    const second = await send('/limited', [['x-client', 'c-1']]);
    const other = await send('/limited', [['x-client', 'c-2']]);

    assert.equal((first.dynamicMetadata.ctxproc as { logged?: boolean }).logged, true);
    assert.equal((second.dynamicMetadata.ctxproc as { logged?: boolean }).logged, false);
    assert.equal((other.dynamicMetadata.ctxproc as { logged?: boolean }).logged, true, 'each key has its own counter');
  });
});

describe('dry-run setting', () => {
  let dry: TestService;
  let dryDir: string;

  before(async () => {
    dryDir = mkdtempSync(path.join(tmpdir(), 'ctxproc-dry-run-'));
    writeFileSync(path.join(dryDir, 'actions.yaml'), RULES);
    dry = await startTestService({ rules: dryDir, dryRun: true });
  });

  after(async () => {
    await dry.stop();
    rmSync(dryDir, { recursive: true, force: true });
  });

  it('enforce rules only simulate', async () => {
    const dryClient = new EnvoyClient({ target: dry.target });
    // /meta goes first: it simulates only metadata changes, which write no
    // event of their own, so by the time the block's event arrives any event
    // for /meta would have arrived before it.
    const metadata = await dryClient.run(
      { method: 'GET', path: '/meta', scheme: 'https', authority: 'shop.example', headers: [] },
      () => ({ status: 200, headers: [], body: Buffer.from('ok') }),
    );
    const blocked = await dryClient.run(
      { method: 'POST', path: '/shop.Cart/Delete', scheme: 'https', authority: 'shop.example', headers: [['content-type', 'application/grpc']] },
      () => ({ status: 200, headers: [['content-type', 'application/grpc']], body: Buffer.alloc(0) }),
    );
    dryClient.close();
    await waitFor(() => dry.events.length >= 1);

    assert.equal(blocked.localReply, false);
    assert.notEqual(blocked.upstreamRequest, null);
    assert.equal((metadata.dynamicMetadata.ctxproc as Record<string, unknown>).threat, undefined);
    assert.equal(dry.events.length, 1, 'a simulated metadata change alone must not write an event');
    const simulated = dry.events.flatMap((event) => event.ctxproc.simulated ?? []).map((entry: { rule: string; action: string }) => `${entry.rule}:${entry.action}`);
    assert.deepEqual(simulated, ['grpc-deny:block']);
  });
});
