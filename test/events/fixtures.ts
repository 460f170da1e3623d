// Builders for the exchanges and records that event tests feed the builder,
// and a stream that captures emitted lines.
import { Writable } from 'node:stream';
import type { BodyCapture, Exchange, HeaderList, RequestFacts, ResponseFacts } from '../../src/model/exchange.js';
import { newTransactionRecord, type LogDecision, type TransactionRecord } from '../../src/model/record.js';

export const START_MS = Date.parse('2025-03-01T10:00:00.000Z');

export function body(text: string | Buffer, options: Partial<BodyCapture> = {}): BodyCapture {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  return { bytes, size: bytes.length, truncated: false, complete: true, ...options };
}

export function makeRequest(path: string, headers: HeaderList = [], method = 'GET'): RequestFacts {
  const queryStart = path.indexOf('?');
  return {
    method,
    path,
    url_path: queryStart === -1 ? path : path.slice(0, queryStart),
    query: queryStart === -1 ? '' : path.slice(queryStart + 1),
    host: 'shop.example',
    scheme: 'https',
    headers: [[':method', method], [':path', path], [':authority', 'shop.example'], [':scheme', 'https'], ...headers],
    body: null,
    trailers: null,
  };
}

export function makeResponse(code: number, headers: HeaderList = []): ResponseFacts {
  return { code, headers: [[':status', String(code)], ...headers], body: null, trailers: null };
}

export function makeExchange(request: RequestFacts | null, response: ResponseFacts | null = null): Exchange {
  return {
    id: 'a1b2c3d4-1',
    startTimeMs: START_MS,
    startNs: 1_000_000_000n,
    endNs: 1_012_345_678n,
    request,
    response,
    source: { address: '203.0.113.9', port: 51234 },
    destination: { address: '10.0.0.5', port: 8080 },
    attributes: { 'request.protocol': 'HTTP/2' },
  };
}

export function logDecision(overrides: Partial<LogDecision> = {}): LogDecision {
  return {
    rules: ['log-all'],
    message: null,
    fields: {},
    fieldHeaders: {},
    includeRequestBody: 0,
    includeResponseBody: 0,
    includeHeaders: [],
    sinks: [],
    defaultSinks: true,
    ...overrides,
  };
}

export function makeRecord(log: LogDecision | null = logDecision()): TransactionRecord {
  const record = newTransactionRecord();
  record.log = log;
  if (log) {
    record.matched.push(...log.rules);
  }
  return record;
}

/** A writable stream that keeps each written chunk; `lines` parses them as JSON. */
export class LineCapture extends Writable {
  readonly chunks: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }

  get text(): string {
    return this.chunks.join('');
  }

  lines(): Array<Record<string, unknown>> {
    return this.text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
