// The session's ProcessingRequest decoder against protobufjs: the same
// fields and header pairs for every phase Envoy sends, the oneof rule, unknown
// fields skipped, and an error on truncated bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, encodeRequest } from '../../src/protocol/codec.js';
import type { HeaderMap, ProcessingRequest } from '../../src/protocol/messages.js';
import { decodeSessionRequest } from '../../src/protocol/request-decoder.js';
import { jsonToStruct, structToJson } from '../../src/protocol/struct.js';
import { readHeaderMap } from '../../src/session/headers.js';

function headerMap(pairs: Array<[string, string | Buffer]>): HeaderMap {
  return { headers: pairs.map(([key, value]) => ({ key, raw_value: Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8') })) };
}

const REQUEST_HEADERS: ProcessingRequest = {
  request_headers: {
    headers: headerMap([[':method', 'POST'], [':path', '/api/v1/orders?id=7'], ['x-tenant', 'zürich'], ['x-empty', ''], ['x-binary', Buffer.from([0xff, 0x41])]]),
    end_of_stream: false,
  },
  attributes: { 'envoy.filters.http.ext_proc': jsonToStruct({ 'source.address': '203.0.113.9:51234', 'source.port': 51234 }) },
  protocol_config: { request_body_mode: 2, response_body_mode: 0 },
  metadata_context: { filter_metadata: { 'envoy.lb': jsonToStruct({ canary: true }) } },
};

test('request headers decode to the pairs and fields protobufjs gives', () => {
  const bytes = encodeRequest(REQUEST_HEADERS);
  const expected = decodeRequest(bytes);
  const decoded = decodeSessionRequest(bytes);

  assert.equal(decoded.request, 'request_headers');
  assert.deepEqual(decoded.request_headers?.headers?.pairs, readHeaderMap(expected.request_headers?.headers));
  assert.equal(decoded.request_headers?.end_of_stream, false);
  assert.deepEqual(structToJson(decoded.attributes?.['envoy.filters.http.ext_proc']), { 'source.address': '203.0.113.9:51234', 'source.port': 51234 });
  assert.equal(decoded.protocol_config?.request_body_mode, 2);
  assert.deepEqual(structToJson(decoded.metadata_context?.filter_metadata?.['envoy.lb']), { canary: true });
  assert.equal(decoded.observability_mode, undefined);
});

test('response headers, trailers and bodies decode by phase', () => {
  const cases: ProcessingRequest[] = [
    { response_headers: { headers: headerMap([[':status', '404']]), end_of_stream: true }, observability_mode: true },
    { request_trailers: { trailers: headerMap([['grpc-status', '0']]) } },
    { response_trailers: { trailers: headerMap([['x-checksum', 'abc']]) } },
    { request_body: { body: Buffer.from('{"a":1}'), end_of_stream: true } },
    { response_body: { body: Buffer.from('chunk'), end_of_stream: false } },
  ];

  for (const request of cases) {
    const bytes = encodeRequest(request);
    const expected = decodeRequest(bytes);
    const decoded = decodeSessionRequest(bytes);
    assert.equal(decoded.request, expected.request);
    switch (decoded.request) {
      case 'response_headers':
        assert.deepEqual(decoded.response_headers?.headers?.pairs, [[':status', '404']]);
        assert.equal(decoded.response_headers?.end_of_stream, true);
        assert.equal(decoded.observability_mode, true);
        break;
      case 'request_trailers':
        assert.deepEqual(decoded.request_trailers?.trailers?.pairs, [['grpc-status', '0']]);
        break;
      case 'response_trailers':
        assert.deepEqual(decoded.response_trailers?.trailers?.pairs, [['x-checksum', 'abc']]);
        break;
      default: {
        const kind = decoded.request as 'request_body' | 'response_body';
        assert.deepEqual(Buffer.from(decoded[kind]!.body!), Buffer.from(expected[kind]!.body!));
        assert.equal(decoded[kind]!.end_of_stream, expected[kind]!.end_of_stream);
      }
    }
  }
});

test('readHeaderMap keeps the limit on decoded pairs', () => {
  const decoded = decodeSessionRequest(encodeRequest(REQUEST_HEADERS));

  assert.deepEqual(readHeaderMap(decoded.request_headers?.headers, 2), [[':method', 'POST'], [':path', '/api/v1/orders?id=7']]);
});

test('of two oneof members on the wire the last one is set', () => {
  const first = encodeRequest({ request_headers: { headers: headerMap([[':path', '/a']]) } });
  const second = encodeRequest({ response_headers: { headers: headerMap([[':status', '200']]) } });

  const decoded = decodeSessionRequest(Buffer.concat([first, second]));

  assert.equal(decoded.request, 'response_headers');
  assert.equal(decoded.request_headers, undefined);
  assert.deepEqual(decoded.response_headers?.headers?.pairs, [[':status', '200']]);
});

test('unknown fields of every wire type are skipped', () => {
  const known = encodeRequest({ request_headers: { headers: headerMap([[':path', '/x']]) } });
  // Field 30 as a varint, field 31 as fixed64, field 32 as bytes, field 33 as fixed32.
  const unknown = Buffer.from([0xf0, 0x01, 0x05, 0xf9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x82, 0x02, 0x02, 0xaa, 0xbb, 0x8d, 0x02, 1, 2, 3, 4]);

  const decoded = decodeSessionRequest(Buffer.concat([unknown, known, unknown]));

  assert.deepEqual(decoded.request_headers?.headers?.pairs, [[':path', '/x']]);
});

test('truncated bytes throw instead of decoding part of a message', () => {
  const bytes = encodeRequest(REQUEST_HEADERS);

  for (const cut of [1, 3, 10, bytes.length - 1]) {
    assert.throws(() => decodeSessionRequest(bytes.subarray(0, cut)), RangeError, `cut at ${cut} of ${bytes.length} bytes`);
  }
});

test('known and near-known names decode as sent', () => {
  const pairs: Array<[string, string]> = [
    [':method', 'PATCH'], [':path', '/'], ['accept', '*/*'], ['acceps', 'near a known name'], ['cookie', 'a=1'], ['cookiE', 'b=2'],
    ['x-request-id', '7'], ['x-request-ie', '8'], ['content-type', 'text/plain'], ['x-unknown-name', 'v'], ['zürich', 'non-ASCII name'],
  ];
  for (const method of ['GET', 'GOT', 'get', 'POST', 'POSt', 'TRACE', 'TRACF', 'PÖST', 'OPTIONS', 'PROPFIND', '']) {
    pairs[0] = [':method', method];
    const bytes = encodeRequest({ request_headers: { headers: headerMap(pairs), end_of_stream: true } });

    const decoded = decodeSessionRequest(bytes);

    assert.deepEqual(decoded.request_headers?.headers?.pairs, pairs, `with :method ${JSON.stringify(method)}`);
    assert.deepEqual(decoded.request_headers?.headers?.pairs, readHeaderMap(decodeRequest(bytes).request_headers?.headers));
  }
});

test('method text in other headers decodes as sent', () => {
  const pairs: Array<[string, string]> = [['x-method', 'POST'], [':status', 'GET'], ['accept', 'HEAD']];
  const bytes = encodeRequest({ response_headers: { headers: headerMap(pairs), end_of_stream: true } });

  assert.deepEqual(decodeSessionRequest(bytes).response_headers?.headers?.pairs, pairs);
});
