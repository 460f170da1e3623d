// The ext_proc messages the load driver sends, encoded once before any load
// runs, so that the driver spends its core on moving bytes. The headers are
// what Envoy 1.3x sends for an HTTP/1.1 or HTTP/2 request behind an edge
// proxy: pseudo-headers, forwarding headers, a request id, values in
// raw_value only.
import zlib from 'node:zlib';
import { encodeRequest } from '../../src/protocol/codec.js';
import { BodySendMode, type HeaderValue, type ProcessingRequest } from '../../src/protocol/messages.js';

/** The ext_proc processing mode of a scenario, as Envoy's filter config sets it. */
export type TrafficShape = 'headers' | 'buffered_body';

/** One transaction: the framed messages Envoy sends, in order, each after the reply to the one before. */
export interface Transaction {
  messages: Buffer[];
}

/** How many distinct transactions each shape cycles through. */
const VARIANTS = 64;

/** The variant whose response is a 404: the default rules log one transaction in 64. */
const NOT_FOUND_VARIANT = VARIANTS - 1;

const PATHS = ['/api/v1/orders', '/api/v1/cart/items', '/api/v2/catalog/search', '/static/app.js', '/login', '/api/v1/users/me'];

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];

/** Size of the JSON request body of the buffered_body shape, in bytes. */
export const JSON_BODY_BYTES = 16 * 1024;

/** A content coding the request bodies of the buffered_body shape can be sent in. */
export type BodyCoding = 'gzip' | 'deflate' | 'br';

export const BODY_CODINGS: readonly BodyCoding[] = ['gzip', 'deflate', 'br'];

const ENCODERS: Readonly<Record<BodyCoding, (input: Buffer) => Buffer>> = {
  gzip: (input) => zlib.gzipSync(input),
  deflate: (input) => zlib.deflateSync(input),
  br: (input) => zlib.brotliCompressSync(input),
};

/**
 * Builds the transactions of a shape, gRPC-framed and ready to write. With
 * `coding`, the request body is sent encoded, with its content-encoding.
 */
export function buildTransactions(shape: TrafficShape, coding: BodyCoding | null = null): Transaction[] {
  const transactions: Transaction[] = [];
  const plain = shape === 'buffered_body' ? jsonBody(JSON_BODY_BYTES) : null;
  const body = plain !== null && coding !== null ? ENCODERS[coding](plain) : plain;

  for (let index = 0; index < VARIANTS; index += 1) {
    const messages: ProcessingRequest[] = [requestHeaders(index, body, coding)];
    if (body) {
      messages.push({ request_body: { body, end_of_stream: true } });
    }
    messages.push(responseHeaders(index));
    transactions.push({ messages: messages.map((message) => frame(encodeRequest(message))) });
  }
  return transactions;
}

/** Prefixes a message with gRPC's 5-byte header: uncompressed flag, big-endian length. */
export function frame(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
}

function requestHeaders(index: number, body: Buffer | null, coding: BodyCoding | null): ProcessingRequest {
  const method = body ? 'POST' : METHODS[index % METHODS.length]!;
  const path = `${PATHS[index % PATHS.length]}/${1000 + index}?page=${index % 5}&sort=desc`;
  const headers: Array<[string, string]> = [
    [':authority', 'shop.example.com'],
    [':path', path],
    [':method', method],
    [':scheme', 'https'],
    ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'],
    ['accept', 'application/json, text/plain, */*'],
    ['accept-encoding', 'gzip, deflate, br'],
    ['accept-language', 'en-US,en;q=0.9'],
    ['x-forwarded-for', `203.0.113.${index % 250}`],
    ['x-forwarded-proto', 'https'],
    ['x-request-id', `5f0c3a1e-8b7d-4c2a-9e61-${(0x100000000000 + index).toString(16)}`],
    ['x-envoy-expected-rq-timeout-ms', '15000'],
  ];
  if (body) {
    headers.push(['content-type', 'application/json'], ['content-length', String(body.length)]);
  }
  if (body && coding !== null) {
    headers.push(['content-encoding', coding]);
  }

  return {
    request_headers: { headers: { headers: headers.map(rawHeader) }, end_of_stream: body === null },
    // Envoy sends the attributes listed in request_attributes with the first message.
    attributes: {
      'envoy.filters.http.ext_proc': {
        fields: {
          'source.address': { stringValue: `10.${index % 16}.${index}.7:${40000 + index}` },
          'source.port': { numberValue: 40000 + index },
        },
      },
    },
    protocol_config: body ? { request_body_mode: BodySendMode.BUFFERED, response_body_mode: BodySendMode.NONE } : null,
  };
}

function responseHeaders(index: number): ProcessingRequest {
  const status = index === NOT_FOUND_VARIANT ? '404' : '200';
  const headers: Array<[string, string]> = [
    [':status', status],
    ['content-type', 'application/json'],
    ['content-length', '512'],
    ['date', 'Fri, 04 Dec 2026 22:00:00 GMT'],
    ['server', 'envoy'],
    ['x-envoy-upstream-service-time', '3'],
  ];
  return { response_headers: { headers: { headers: headers.map(rawHeader) }, end_of_stream: false } };
}

function rawHeader([key, value]: [string, string]): HeaderValue {
  return { key, raw_value: Buffer.from(value, 'utf8') };
}

/** Builds a JSON order document of exactly `bytes` bytes, shaped like an API payload. */
function jsonBody(bytes: number): Buffer {
  const items = [];
  for (let index = 0; JSON.stringify({ items }).length < bytes - 200; index += 1) {
    items.push({ sku: `SKU-${100000 + index}`, name: `Item number ${index}`, quantity: 1 + (index % 4), price_cents: 1999 + index });
  }
  const document = { order_id: 'ord_8f3a2c', customer: { id: 'cus_1029', email_verified: true }, items, note: '' };
  const padding = bytes - JSON.stringify(document).length;
  document.note = 'x'.repeat(Math.max(0, padding));
  return Buffer.from(JSON.stringify(document), 'utf8');
}
