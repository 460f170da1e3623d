// Content-encoded bodies on a real server with the shipped rules: an attack
// in a compressed body is detected as in a plain one, secrets inside it are
// redacted, and bodies that cannot be decoded are noted and counted.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { EnvoyClient } from '../../src/client/envoy-client.js';
import type { HttpRequestSpec, HttpResponseSpec } from '../../src/client/types.js';
import { REPO_ROOT, startTestService, waitFor, type TestService } from '../helpers/service-harness.js';

/** A JSON search whose query is a UNION SELECT injection. */
const SQLI_JSON = `{"q":"1' UNION SELECT username, password FROM users -- ","page":2}`;

const BODY_LIMIT = 4096;

const ENCODERS: Record<string, (input: Buffer) => Buffer> = {
  gzip: (input) => zlib.gzipSync(input),
  'x-gzip': (input) => zlib.gzipSync(input),
  deflate: (input) => zlib.deflateSync(input),
  br: (input) => zlib.brotliCompressSync(input),
  'gzip, br': (input) => zlib.brotliCompressSync(zlib.gzipSync(input)),
};

let ctxproc: TestService;
let client: EnvoyClient;
let rulesDir: string;
let sequence = 0;

before(async () => {
  // The shipped rules, plus a rule that logs both bodies, so that every
  // transaction has an event to inspect.
  rulesDir = mkdtempSync(path.join(tmpdir(), 'ctxproc-encoded-'));
  cpSync(path.join(REPO_ROOT, 'rules'), rulesDir, { recursive: true });
  cpSync(path.join(REPO_ROOT, 'test/fixtures/rules/log-bodies/log-bodies.yaml'), path.join(rulesDir, 'log-bodies.yaml'));
  ctxproc = await startTestService({ rules: rulesDir, bodyLimitBytes: BODY_LIMIT });
  client = new EnvoyClient({ target: ctxproc.target, messageTimeoutMs: 5000, processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
});

after(async () => {
  client.close();
  await ctxproc.stop();
  rmSync(rulesDir, { recursive: true, force: true });
});

function post(body: Buffer, encoding: string | null): HttpRequestSpec {
  sequence += 1;
  const headers: Array<[string, string]> = [['content-type', 'application/json'], ['x-request-id', `encoded-${sequence}`], ['user-agent', 'Mozilla/5.0']];
  if (encoding !== null) {
    headers.push(['content-encoding', encoding]);
  }
  return { method: 'POST', path: '/api/search', scheme: 'https', authority: 'shop.test', headers, body };
}

function upstream(response: Partial<HttpResponseSpec> = {}): () => HttpResponseSpec {
  return () => ({ status: 200, headers: [['content-type', 'text/plain']], body: Buffer.from('ok'), ...response });
}

/** Runs one transaction and returns its event. */
async function eventOf(request: HttpRequestSpec, response: () => HttpResponseSpec = upstream()): Promise<Record<string, any>> {
  const requestId = request.headers.find(([name]) => name === 'x-request-id')![1];
  await client.run(request, response);
  const find = (): Record<string, any> | undefined => ctxproc.events.find((event) => event.http?.request_id === requestId);
  await waitFor(() => find() !== undefined);
  return find()!;
}

async function decodeCount(direction: string, encoding: string, result: string): Promise<number> {
  const metric = await ctxproc.service.metrics.registry.getSingleMetric('ctxproc_body_decodes_total')!.get();
  const sample = metric.values.find((value) => value.labels.direction === direction && value.labels.encoding === encoding && value.labels.result === result);
  return sample?.value ?? 0;
}

test('encoded SQLi matches like plain', async () => {
  const plain = await eventOf(post(Buffer.from(SQLI_JSON), null));
  assert.ok(plain.ctxproc.rules.matched.includes('detect-sqli'), 'the plain body must match detect-sqli');
  assert.ok(plain.ctxproc.rules.matched.includes('block-injection'), 'the plain body must match block-injection');

  for (const [encoding, encode] of Object.entries(ENCODERS)) {
    const event = await eventOf(post(encode(Buffer.from(SQLI_JSON)), encoding));

    assert.deepEqual(event.ctxproc.rules.matched, plain.ctxproc.rules.matched, `${encoding}: matched rules differ from the plain body's`);
    assert.equal(event.ctxproc.tags['attack.sqli'], 'detected', encoding);
    assert.equal(event.ctxproc.body.request.content, plain.ctxproc.body.request.content, `${encoding}: logged body differs`);
    assert.ok(event.ctxproc.notes.some((note: string) => note.startsWith(`request body decoded from ${encoding} into`)), `${encoding}: no decoding note in ${JSON.stringify(event.ctxproc.notes)}`);
  }
});

test('decodes are counted by coding', async () => {
  const before = await decodeCount('request', 'gzip', 'decoded');
  await eventOf(post(zlib.gzipSync(SQLI_JSON), 'gzip'));

  assert.equal(await decodeCount('request', 'gzip', 'decoded'), before + 1);
});

test('plain body gets no decoding note', async () => {
  const event = await eventOf(post(Buffer.from(SQLI_JSON), null));

  assert.equal((event.ctxproc.notes ?? []).filter((note: string) => note.includes('decod')).length, 0);
});

test('secret inside gzip body is redacted', async () => {
  const secret = 'hunter2-Gz-7c1e';
  const card = '4111111111111111';
  const event = await eventOf(post(zlib.gzipSync(JSON.stringify({ user: 'alice', password: secret, card })), 'gzip'));
  const line = ctxproc.eventLines.find((text) => text.includes(event.ctxproc.transaction_id))!;

  assert.match(event.ctxproc.body.request.content, /"user":"alice"/);
  assert.match(event.ctxproc.body.request.content, /"password":"\[REDACTED/);
  assert.ok(!line.includes(secret), 'the password reached the event');
  assert.ok(!line.includes(card), 'the card number reached the event');
});

test('zip bomb is cut at the body limit', async () => {
  const bomb = zlib.gzipSync(Buffer.concat([Buffer.from(SQLI_JSON.slice(0, -1)), Buffer.from(`,"pad":"${'A'.repeat(8 * 1024 * 1024)}"}`)]));
  const before = await decodeCount('request', 'gzip', 'truncated');
  const event = await eventOf(post(bomb, 'gzip'));

  assert.ok(bomb.length > BODY_LIMIT, 'the encoded bomb must itself pass the body limit');
  assert.equal(event.ctxproc.tags['attack.sqli'], 'detected');
  assert.ok(Buffer.byteLength(event.ctxproc.body.request.content) <= BODY_LIMIT, 'the logged body passed the body limit');
  assert.equal(event.ctxproc.body.request.truncated, true);
  assert.ok(event.ctxproc.notes.some((note: string) => note.includes(`past the body limit of ${BODY_LIMIT} bytes`)), JSON.stringify(event.ctxproc.notes));
  assert.equal(await decodeCount('request', 'gzip', 'truncated'), before + 1);
});

test('cut gzip stream is decoded', async () => {
  const text = Buffer.from(`{"q":"1' UNION SELECT password FROM users -- ","notes":"${Buffer.alloc(1000, 'x').toString('hex')}"}`);
  const gzip = zlib.gzipSync(text);
  // Envoy sent the whole body, but its gzip trailer and last block are missing.
  const event = await eventOf(post(gzip.subarray(0, gzip.length - 10), 'gzip'));

  assert.equal(event.ctxproc.tags['attack.sqli'], 'detected');
  assert.ok(event.ctxproc.notes.some((note: string) => note.startsWith('request body decoded from gzip into')), JSON.stringify(event.ctxproc.notes));
});

test('garbage labelled gzip is read encoded', async () => {
  const before = await decodeCount('request', 'gzip', 'failed');
  const event = await eventOf(post(Buffer.from(SQLI_JSON), 'gzip'));

  // The bytes are plain text under a false label, and conditions still read them.
  assert.equal(event.ctxproc.tags['attack.sqli'], 'detected');
  assert.ok(event.ctxproc.notes.some((note: string) => /^request body could not be decoded from gzip \(.+\); conditions and detectors did not read its content/.test(note)), JSON.stringify(event.ctxproc.notes));
  assert.equal(await decodeCount('request', 'gzip', 'failed'), before + 1);
});

test('unknown coding is noted and counted', async () => {
  const before = await decodeCount('request', 'other', 'unsupported');
  const event = await eventOf(post(zlib.deflateSync(SQLI_JSON), 'compress'));

  assert.equal(event.ctxproc.tags?.['attack.sqli'], undefined, 'compressed bytes under an unknown coding cannot be read');
  assert.ok(event.ctxproc.notes.some((note: string) => note.includes('content-encoding compress, which ctxproc does not decode')), JSON.stringify(event.ctxproc.notes));
  assert.equal(event.ctxproc.body.request.encoding, 'binary');
  assert.equal(await decodeCount('request', 'other', 'unsupported'), before + 1);
});

test('gzip response body is read', async () => {
  const leak = 'Warning: pg_query(): Query failed: ERROR: syntax error at or near "x"';
  const response = upstream({ headers: [['content-type', 'text/html'], ['content-encoding', 'gzip']], body: zlib.gzipSync(leak) });
  const event = await eventOf(post(Buffer.from('{"q":"shoes"}'), null), response);

  assert.equal(event.ctxproc.tags['leak.sql_error'], 'detected');
  assert.equal(event.ctxproc.body.response.content, leak);
  assert.ok(event.ctxproc.notes.some((note: string) => note.startsWith('response body decoded from gzip into')), JSON.stringify(event.ctxproc.notes));
});

test('plain body under a coding label is still scanned', async () => {
  const cases: Array<[string, Buffer, string]> = [
    ['plain JSON labelled deflate', Buffer.from(SQLI_JSON), 'deflate'],
    ['plain JSON labelled br', Buffer.from(SQLI_JSON), 'br'],
    ['text after a deflate stream', Buffer.concat([zlib.deflateRawSync(Buffer.from('a=1')), Buffer.from(`&q=1' UNION SELECT username, password FROM users -- `)]), 'deflate'],
    ['text after a gzip stream', Buffer.concat([zlib.gzipSync(Buffer.from('a=1')), Buffer.from(`&q=1' UNION SELECT username, password FROM users -- `)]), 'gzip'],
  ];

  for (const [name, body, encoding] of cases) {
    const event = await eventOf(post(body, encoding));

    assert.ok(event.ctxproc.rules.matched.includes('detect-sqli'), `${name}: detect-sqli did not match`);
    assert.ok(event.ctxproc.rules.matched.includes('block-injection'), `${name}: block-injection did not match`);
  }
});

test('decoding time is counted', async () => {
  const before = await decodeSeconds('request', 'gzip');

  await eventOf(post(zlib.gzipSync(Buffer.from(SQLI_JSON.repeat(40))), 'gzip'));

  assert.ok(await decodeSeconds('request', 'gzip') > before);
});

async function decodeSeconds(direction: string, encoding: string): Promise<number> {
  const metric = await ctxproc.service.metrics.registry.getSingleMetric('ctxproc_body_decode_seconds_total')!.get();
  return metric.values.find((value) => value.labels.direction === direction && value.labels.encoding === encoding)?.value ?? 0;
}

test('large br upload draws no attack tag', async () => {
  const records = Array.from({ length: 40_000 }, (_, index) => ({ id: index, sku: `SKU-${index}`, note: 'two of these, gift wrapped & shipped; thanks!', token: (index * 7919).toString(36) }));
  const body = zlib.brotliCompressSync(Buffer.from(JSON.stringify(records)));

  const event = await eventOf(post(body, 'br'));

  assert.deepEqual(Object.keys(event.ctxproc.tags ?? {}).filter((tag) => tag.startsWith('attack.')), []);
  assert.match(event.ctxproc.body.request.content, /^\[\{"id":0,"sku":"SKU-0"/);
});

test('body the detectors cannot read is reported', async () => {
  const padded = Buffer.from(JSON.stringify({ q: "1' UNION SELECT username, password FROM users -- ", pad: ' '.repeat(70_000) }));
  const cases: Array<[string, Buffer, string]> = [
    ['br large-window extension', zlib.brotliCompressSync(Buffer.from(SQLI_JSON), { params: { [zlib.constants.BROTLI_PARAM_LARGE_WINDOW]: 1, [zlib.constants.BROTLI_PARAM_LGWIN]: 26 } }), 'br'],
    ['br padded past the body limit', zlib.brotliCompressSync(padded), 'br'],
    ['unknown coding', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]), 'zstd'],
  ];

  for (const [name, body, encoding] of cases) {
    const event = await eventOf(post(body, encoding));

    assert.ok(event.ctxproc.rules.matched.includes('detect-protocol'), `${name}: detect-protocol did not match`);
  }
});

test('text under a coding label is read whole', async () => {
  // Vertical tab, form feed and a UTF-8 no-break space do not split the text.
  const body = Buffer.from(`{"q":"1'\u000b UNION\u000c SELECT\u00a0username, password FROM users -- "}`);

  const event = await eventOf(post(body, 'gzip'));

  assert.ok(event.ctxproc.rules.matched.includes('detect-sqli'));
});
