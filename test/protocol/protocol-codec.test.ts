// Round trips through the ext_proc codec and the Struct conversions, plus a
// few hand-encoded messages that pin field numbers independently of protobufjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/codec.js';
import { BodySendMode, ResponseStatus } from '../../src/protocol/messages.js';
import type { HeaderValue, ProcessingRequest, ProcessingResponse } from '../../src/protocol/messages.js';
import { jsonToStruct, structToJson, type JsonValue } from '../../src/protocol/struct.js';

// Envoy's key for the attributes named in request_attributes / response_attributes.
const ATTRIBUTES_KEY = 'envoy.filters.http.ext_proc';

function bytes(value: Buffer | Uint8Array | undefined): Buffer {
  assert.ok(value, 'expected a bytes field to be set');
  return Buffer.from(value);
}

function headerAt(headers: HeaderValue[] | undefined, index: number): HeaderValue {
  const header = headers?.[index];
  assert.ok(header, `expected a header at index ${index}`);
  return header;
}

test('request with raw_value headers round-trips', () => {
  // Envoy sends header values in raw_value, so bytes that are not UTF-8 must
  // survive unchanged.
  const binaryValue = Buffer.from([0xff, 0x00, 0x80, 0x41]);
  const request: ProcessingRequest = {
    request_headers: {
      headers: {
        headers: [
          { key: ':path', raw_value: Buffer.from('/login?next=%2F') },
          { key: 'x-binary', raw_value: binaryValue },
        ],
      },
      end_of_stream: true,
    },
  };

  const decoded = decodeRequest(encodeRequest(request));

  assert.equal(decoded.request, 'request_headers');
  assert.equal(decoded.request_headers?.end_of_stream, true);
  const headers = decoded.request_headers?.headers?.headers;
  assert.equal(headers?.length, 2);
  assert.equal(headerAt(headers, 0).key, ':path');
  assert.equal(bytes(headerAt(headers, 0).raw_value).toString('utf8'), '/login?next=%2F');
  assert.equal(headerAt(headers, 0).value, '');
  assert.deepEqual(bytes(headerAt(headers, 1).raw_value), binaryValue);
});

test('request attributes Struct round-trips', () => {
  const attributes: Record<string, JsonValue> = {
    'request.path': '/api/v1/users',
    'request.size': 1536,
    'connection.mtls': false,
    'request.headers': { 'user-agent': 'curl/8.5.0', accept: '*/*' },
    'source.labels': ['edge', 'eu-west-1', 3.5, true, null],
    'xds.node': null,
  };
  const request: ProcessingRequest = {
    request_body: { body: Buffer.from('{}'), end_of_stream: true },
    attributes: { [ATTRIBUTES_KEY]: jsonToStruct(attributes) },
    metadata_context: { filter_metadata: { 'envoy.filters.http.jwt_authn': jsonToStruct({ sub: 'user-17' }) } },
  };

  const decoded = decodeRequest(encodeRequest(request));

  assert.equal(decoded.request, 'request_body');
  assert.deepEqual(structToJson(decoded.attributes?.[ATTRIBUTES_KEY]), attributes);
  assert.deepEqual(structToJson(decoded.metadata_context?.filter_metadata?.['envoy.filters.http.jwt_authn']), { sub: 'user-17' });
});

test('request protocol_config round-trips', () => {
  const request: ProcessingRequest = {
    request_headers: { headers: { headers: [] } },
    protocol_config: {
      request_body_mode: BodySendMode.FULL_DUPLEX_STREAMED,
      response_body_mode: BodySendMode.BUFFERED_PARTIAL,
      send_body_without_waiting_for_header_response: true,
    },
    observability_mode: true,
  };

  const decoded = decodeRequest(encodeRequest(request));

  assert.equal(decoded.protocol_config?.request_body_mode, BodySendMode.FULL_DUPLEX_STREAMED);
  assert.equal(decoded.protocol_config?.response_body_mode, BodySendMode.BUFFERED_PARTIAL);
  assert.equal(decoded.protocol_config?.send_body_without_waiting_for_header_response, true);
  assert.equal(decoded.observability_mode, true);
});

test('protocol_config uses field 11', () => {
  // Tag (11 << 3) | 2 = 0x5a, length 2, then request_body_mode (field 1, varint) = 4.
  const expected = Buffer.from([0x5a, 0x02, 0x08, 0x04]);

  assert.deepEqual(encodeRequest({ protocol_config: { request_body_mode: BodySendMode.FULL_DUPLEX_STREAMED } }), expected);
  assert.equal(decodeRequest(expected).protocol_config?.request_body_mode, BodySendMode.FULL_DUPLEX_STREAMED);
});

test('response with header mutation round-trips', () => {
  const response: ProcessingResponse = {
    request_headers: {
      response: {
        status: ResponseStatus.CONTINUE,
        header_mutation: {
          set_headers: [
            { header: { key: 'x-ctxproc-tags', raw_value: Buffer.from('sqli,scanner') }, append: { value: false } },
            { header: { key: 'x-ctxproc-rule', raw_value: Buffer.from('r-17') }, append_action: 2 },
          ],
          remove_headers: ['x-internal-token', 'x-debug'],
        },
        clear_route_cache: true,
      },
    },
    mode_override: { response_body_mode: BodySendMode.BUFFERED },
    override_message_timeout: { seconds: 2, nanos: 500_000_000 },
  };

  const decoded = decodeResponse(encodeResponse(response));

  assert.equal(decoded.response, 'request_headers');
  const common = decoded.request_headers?.response;
  assert.equal(common?.clear_route_cache, true);
  const setHeaders = common?.header_mutation?.set_headers;
  assert.equal(setHeaders?.length, 2);
  assert.equal(setHeaders?.[0]?.header.key, 'x-ctxproc-tags');
  assert.equal(bytes(setHeaders?.[0]?.header.raw_value).toString('utf8'), 'sqli,scanner');
  assert.equal(setHeaders?.[0]?.append?.value, false);
  assert.equal(setHeaders?.[1]?.append_action, 2);
  assert.equal(setHeaders?.[1]?.append, null);
  assert.deepEqual([...(common?.header_mutation?.remove_headers ?? [])], ['x-internal-token', 'x-debug']);
  assert.equal(decoded.mode_override?.response_body_mode, BodySendMode.BUFFERED);
  assert.equal(Number(decoded.override_message_timeout?.seconds), 2);
  assert.equal(decoded.override_message_timeout?.nanos, 500_000_000);
});

test('response dynamic_metadata round-trips', () => {
  const metadata: Record<string, JsonValue> = {
    ctxproc: {
      rule_ids: ['block-admin', 'tag-scanner'],
      score: -7.25,
      blocked: false,
      reason: 'Überprüfung fehlgeschlagen',
      empty: {},
      nothing: [],
      missing: null,
    },
  };
  const response: ProcessingResponse = {
    response_headers: { response: {} },
    dynamic_metadata: jsonToStruct(metadata),
  };

  const decoded = decodeResponse(encodeResponse(response));

  assert.equal(decoded.response, 'response_headers');
  assert.deepEqual(structToJson(decoded.dynamic_metadata), metadata);
});

test('response immediate_response round-trips', () => {
  const body = Buffer.from('{"error":"request blocked"}\n');
  const response: ProcessingResponse = {
    immediate_response: {
      status: { code: 403 },
      headers: { set_headers: [{ header: { key: 'content-type', raw_value: Buffer.from('application/json') } }] },
      body,
      grpc_status: { status: 7 },
      details: 'ctxproc_blocked',
    },
  };

  const decoded = decodeResponse(encodeResponse(response));

  assert.equal(decoded.response, 'immediate_response');
  const immediate = decoded.immediate_response;
  assert.equal(immediate?.status?.code, 403);
  assert.equal(immediate?.headers?.set_headers?.[0]?.header.key, 'content-type');
  assert.deepEqual(bytes(immediate?.body), body);
  assert.equal(immediate?.grpc_status?.status, 7);
  assert.equal(immediate?.details, 'ctxproc_blocked');
});

test('response streamed body mutation round-trips', () => {
  const response: ProcessingResponse = {
    request_body: {
      response: { body_mutation: { streamed_response: { body: Buffer.from('chunk-1'), end_of_stream: true } } },
    },
  };

  const decoded = decodeResponse(encodeResponse(response));

  const mutation = decoded.request_body?.response?.body_mutation;
  assert.equal(mutation?.mutation, 'streamed_response');
  assert.equal(bytes(mutation?.streamed_response?.body).toString('utf8'), 'chunk-1');
  assert.equal(mutation?.streamed_response?.end_of_stream, true);
});

test('request_drain uses field 12', () => {
  // Tag (12 << 3) | 0 = 0x60, then true.
  assert.deepEqual(encodeResponse({ request_drain: true }), Buffer.from([0x60, 0x01]));
});

test('structToJson of a missing Struct is empty', () => {
  assert.deepEqual(structToJson(undefined), {});
  assert.deepEqual(structToJson(null), {});
});

const UNDECODABLE = [
  // Field 2 (request_headers / response_headers) claims 5 bytes, 1 follows.
  { name: 'truncated length-delimited field', bytes: Buffer.from([0x12, 0x05, 0x0a]), error: /index out of range/ },
  // Field 15, unknown to both messages, with wire type 7, which does not exist.
  { name: 'invalid wire type', bytes: Buffer.from([0x7f]), error: /invalid wire type 7/ },
  // Field 10 (varint) whose continuation bit is set on the last byte.
  { name: 'unterminated varint', bytes: Buffer.from([0x50, 0x80]), error: /index out of range/ },
];

for (const entry of UNDECODABLE) {
  test(`decode rejects ${entry.name}`, () => {
    assert.throws(() => decodeRequest(entry.bytes), entry.error);
    assert.throws(() => decodeResponse(entry.bytes), entry.error);
  });
}

test('Struct entry without a value reads as null', () => {
  // The wire form of attributes {"a": <entry with a key and no value>}.
  const bytes = Buffer.from([0x4a, 0x0d, 0x0a, 0x04, 0x74, 0x65, 0x73, 0x74, 0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x61]);
  const message = decodeRequest(bytes);

  assert.deepEqual(structToJson(message.attributes?.test), { a: null });
});
