import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { buildSecurityEvent } from '../../src/events/builder.js';
import { createEventEmitter } from '../../src/events/emitter.js';
import type { SecurityEvent } from '../../src/events/security-event.js';
import { LineCapture, makeExchange, makeRecord, makeRequest, makeResponse } from './fixtures.js';

function eventWithStatus(code: number): SecurityEvent {
  return buildSecurityEvent(makeExchange(makeRequest('/a'), makeResponse(code)), makeRecord(), { rulesVersion: 'v1', outcome: { blocked: false, streamEnd: 'completed' } });
}

/** Builds an event whose headers never went through the builder's redaction. */
function unredactedEvent(): SecurityEvent {
  const event = eventWithStatus(200);
  event.ctxproc.headers = {
    request: {
      authorization: 'Bearer raw-token',
      'proxy-authorization': 'Basic cmF3OnBhc3M=',
      'x-api-key': ['k1', '[REDACTED:header]'],
      cookie: 'a=1; session=[REDACTED:cookie]',
      accept: 'text/html',
    },
    response: { 'set-cookie': 'sid=raw; Path=/' },
  };
  return event;
}

describe('createEventEmitter', () => {
  it('writes one line per event with a status label', async () => {
    const capture = new LineCapture();
    const emitter = createEventEmitter({ destination: capture });
    emitter.emit(eventWithStatus(200));
    emitter.emit(eventWithStatus(404));
    emitter.emit(eventWithStatus(503));
    await emitter.flush();

    const lines = capture.lines();
    assert.equal(emitter.count, 3);
    assert.deepEqual(lines.map((line) => line.status), ['info', 'warn', 'error']);
  });

  it('writes no pino bookkeeping fields', async () => {
    const capture = new LineCapture();
    const emitter = createEventEmitter({ destination: capture });
    emitter.emit(eventWithStatus(200));
    const line = capture.lines()[0]!;

    for (const key of ['level', 'time', 'pid', 'hostname', 'msg']) {
      assert.equal(key in line, false, key);
    }
    assert.equal(line.message, 'GET /a 200');
    assert.equal(line.timestamp, '2025-03-01T10:00:00.000Z');
    assert.equal(Object.keys(line).filter((key) => key === 'status').length, 1);
  });

  it('writes integers for status code and duration', () => {
    const capture = new LineCapture();
    createEventEmitter({ destination: capture }).emit(eventWithStatus(201));
    const line = capture.lines()[0] as { http: { status_code: unknown }; duration: unknown };
    assert.equal(line.http.status_code, 201);
    assert.ok(Number.isInteger(line.duration));
    assert.match(capture.text, /"status_code":201,/);
  });

  it('masks credential headers the builder left readable', () => {
    const capture = new LineCapture();
    const event = unredactedEvent();
    createEventEmitter({ destination: capture }).emit(event);
    const headers = (capture.lines()[0]!.ctxproc as { headers: Record<string, Record<string, unknown>> }).headers;

    assert.deepEqual(headers.request, {
      authorization: '[REDACTED:header]',
      'proxy-authorization': '[REDACTED:header]',
      'x-api-key': ['[REDACTED:header]', '[REDACTED:header]'],
      cookie: 'a=[REDACTED:cookie]; session=[REDACTED:cookie]',
      accept: 'text/html',
    });
    assert.deepEqual(headers.response, { 'set-cookie': 'sid=[REDACTED:cookie]; Path=/' });
    assert.equal(capture.text.includes('raw'), false);
  });

  it('leaves the caller\'s event unchanged', () => {
    const event = unredactedEvent();
    createEventEmitter({ destination: new LineCapture() }).emit(event);
    assert.equal(event.ctxproc.headers?.request?.authorization, 'Bearer raw-token');
    assert.equal(event.status, 'info');
  });

  it('writes to a file path and flushes', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ctxproc-events-'));
    try {
      const path = join(directory, 'nested', 'events.log');
      const emitter = createEventEmitter({ destination: path });
      emitter.emit(eventWithStatus(200));
      emitter.emit(eventWithStatus(500));
      await emitter.flush();

      const lines = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { status: string });
      assert.deepEqual(lines.map((line) => line.status), ['info', 'error']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('writes to stdout by default', async () => {
    const emitterUrl = new URL('../../src/events/emitter.js', import.meta.url).href;
    const script = [
      `const { createEventEmitter } = await import(${JSON.stringify(emitterUrl)});`,
      'const emitter = createEventEmitter();',
      "emitter.emit({ status: 'warn', message: 'from child', timestamp: 't', service: 's', evt: { name: 'e' }, ctxproc: {} });",
      'await emitter.flush();',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });

    assert.deepEqual(JSON.parse(stdout), { status: 'warn', message: 'from child', timestamp: 't', service: 's', evt: { name: 'e' }, ctxproc: {} });
  });
});

describe('createEventEmitter on a failed destination', () => {
  it('reports lines it cannot write', () => {
    const destination = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    const emitter = createEventEmitter({ destination });

    assert.equal(emitter.emit(eventWithStatus(404)), true);
    destination.emit('error', new Error('EPIPE: broken pipe'));

    assert.equal(emitter.emit(eventWithStatus(404)), false);
    assert.equal(emitter.count, 1);
  });
});
