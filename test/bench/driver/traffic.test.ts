import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest } from '../../../src/protocol/codec.js';
import { buildTransactions, JSON_BODY_BYTES } from '../../../bench/driver/traffic.js';

function unframe(framed: Buffer) {
  assert.equal(framed.readUInt8(0), 0, 'messages are sent uncompressed');
  assert.equal(framed.readUInt32BE(1), framed.length - 5, 'the prefix carries the payload length');
  return decodeRequest(framed.subarray(5));
}

test('headers shape sends request then response headers', () => {
  for (const transaction of buildTransactions('headers')) {
    const [first, second, ...rest] = transaction.messages.map(unframe);

    assert.equal(first?.request, 'request_headers');
    assert.equal(first?.request_headers?.end_of_stream, true);
    assert.equal(second?.request, 'response_headers');
    assert.equal(rest.length, 0);
  }
});

test('headers shape puts values in raw_value only', () => {
  const message = unframe(buildTransactions('headers')[0]!.messages[0]!);
  const headers = message.request_headers?.headers?.headers ?? [];

  assert.ok(headers.some((header) => header.key === ':path'));
  for (const header of headers) {
    assert.equal(header.value, '', `${header.key} has a value outside raw_value`);
    assert.ok((header.raw_value?.length ?? 0) > 0, `${header.key} has no raw_value`);
  }
});

test('headers shape answers one variant with 404', () => {
  const statuses = buildTransactions('headers').map((transaction) => {
    const response = unframe(transaction.messages[1]!);
    const status = response.response_headers?.headers?.headers?.find((header) => header.key === ':status');
    return Buffer.from(status!.raw_value!).toString('utf8');
  });

  assert.equal(statuses.filter((status) => status === '404').length, 1);
  assert.equal(statuses.filter((status) => status === '200').length, statuses.length - 1);
});

test('buffered_body shape sends a 16 KB JSON body', () => {
  for (const transaction of buildTransactions('buffered_body')) {
    const [headers, body, response] = transaction.messages.map(unframe);

    assert.equal(headers?.request_headers?.end_of_stream, false);
    assert.equal(headers?.protocol_config?.request_body_mode, 2, 'the body mode is BUFFERED');
    assert.equal(body?.request, 'request_body');
    assert.equal(body?.request_body?.end_of_stream, true);
    assert.equal(body?.request_body?.body?.length, JSON_BODY_BYTES);
    assert.doesNotThrow(() => JSON.parse(Buffer.from(body!.request_body!.body!).toString('utf8')));
    assert.equal(response?.request, 'response_headers');
  }
});
