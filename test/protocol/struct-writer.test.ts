// encodeStructField against protobufjs: the same bytes for every JSON kind,
// so a reply that appends it equals the reply protobufjs would encode whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResponse, encodeResponse } from '../../src/protocol/codec.js';
import { jsonToStruct, structToJson, type JsonValue } from '../../src/protocol/struct.js';
import { encodeStructField } from '../../src/protocol/struct-writer.js';

/** ProcessingResponse.dynamic_metadata is field 8. */
const DYNAMIC_METADATA = 8;

const CASES: Array<{ name: string; json: Record<string, JsonValue> }> = [
  { name: 'empty object', json: {} },
  { name: 'decision of one transaction', json: { ctxproc: { transaction_id: '1a2b3c4d-k2', logged: false, action: 'allowed', rules_matched: '', rules_version: 'sha256:9f' }, 'envoy.common': { access_log_hint: true } } },
  { name: 'every value kind', json: { a: null, b: 0, c: -1.5, d: 2 ** 40, e: '', f: 'zürich ✓', g: true, h: false, i: [1, 'two', null, [false]], j: { k: { l: 'deep' } } } },
  { name: 'long string with a two-byte length', json: { note: 'x'.repeat(300) } },
];

for (const { name, json } of CASES) {
  test(`encodeStructField: ${name}`, () => {
    const expected = encodeResponse({ dynamic_metadata: jsonToStruct(json) });

    const encoded = encodeStructField(DYNAMIC_METADATA, json);

    assert.deepEqual(encoded, expected);
    assert.deepEqual(structToJson(decodeResponse(encoded).dynamic_metadata), json);
  });
}
