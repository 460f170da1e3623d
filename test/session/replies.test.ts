import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeResponse, encodeResponse } from '../../src/protocol/codec.js';
import type { HeaderMutation, ProcessingResponse, RequestKind } from '../../src/protocol/messages.js';
import { jsonToStruct } from '../../src/protocol/struct.js';
import { encodeStructField } from '../../src/protocol/struct-writer.js';
import { toHeaderMutation } from '../../src/session/headers.js';
import { phaseReply } from '../../src/session/replies.js';

const MUTATION = toHeaderMutation([
  { op: 'set', name: 'x-request-id', value: 'req-1', rule: 'add-id' },
  { op: 'append', name: 'x-tag', value: 'é', rule: 'tag' },
  { op: 'remove', name: 'x-debug', value: null, rule: 'strip' },
] as Parameters<typeof toHeaderMutation>[0]);

const METADATA_JSON = { ctxproc: { transaction_id: 'abc-1', logged: true, action: 'allowed', rules_matched: 'a,b', rules_version: 'sha256:0' } };
const METADATA = jsonToStruct(METADATA_JSON);
/** ProcessingResponse.dynamic_metadata is field 8. */
const METADATA_FIELD = encodeStructField(8, METADATA_JSON);

/** The reply phaseReply must produce, built through encodeResponse's fromObject path. */
function expectedReply(kind: RequestKind, mutation: HeaderMutation | null, withMetadata: boolean): Buffer {
  const message: ProcessingResponse = {};
  message[kind] = kind.endsWith('_trailers') || !mutation ? {} : { response: { header_mutation: mutation } };
  if (withMetadata) {
    message.dynamic_metadata = METADATA;
  }
  return encodeResponse(message);
}

const CASES: Array<{ kind: RequestKind; mutation: HeaderMutation | null; metadata: boolean }> = [
  { kind: 'request_headers', mutation: MUTATION, metadata: true },
  { kind: 'request_headers', mutation: null, metadata: true },
  { kind: 'response_headers', mutation: MUTATION, metadata: false },
  { kind: 'request_body', mutation: MUTATION, metadata: true },
  { kind: 'response_trailers', mutation: MUTATION, metadata: true },
];

for (const { kind, mutation, metadata } of CASES) {
  test(`phaseReply ${kind}${mutation ? ' with mutation' : ''}${metadata ? ' with metadata' : ''}`, () => {
    const bytes = phaseReply(kind, mutation, metadata ? METADATA_FIELD : null);

    assert.deepEqual(bytes, expectedReply(kind, mutation, metadata));
    assert.ok(decodeResponse(bytes)[kind], `the reply carries ${kind}`);
  });
}

test('phaseReply keeps raw_value bytes', () => {
  const reply = decodeResponse(phaseReply('request_headers', MUTATION, null));
  const set = reply.request_headers?.response?.header_mutation?.set_headers ?? [];

  assert.equal(set.length, 2);
  assert.equal(Buffer.from(set[1]!.header.raw_value!).toString('utf8'), 'é');
  assert.equal(set[1]!.append?.value, true);
  assert.deepEqual(reply.request_headers?.response?.header_mutation?.remove_headers, ['x-debug']);
});
