import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderList } from '../../src/model/exchange.js';
import { parseDatadogId, parseTraceparent, traceIdsFromHeaders } from '../../src/events/trace-context.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceIdsFromHeaders', () => {
  it('reads Datadog headers', () => {
    const headers: HeaderList = [['x-datadog-trace-id', '1234567890123456789'], ['x-datadog-parent-id', '987654321']];
    assert.deepEqual(traceIdsFromHeaders(headers), { traceId: '1234567890123456789', spanId: '987654321' });
  });

  it('prefers Datadog headers over traceparent', () => {
    const headers: HeaderList = [['traceparent', TRACEPARENT], ['x-datadog-trace-id', '42']];
    assert.deepEqual(traceIdsFromHeaders(headers), { traceId: '42' });
  });

  it('takes the low 64 bits of a W3C trace id', () => {
    const ids = traceIdsFromHeaders([['traceparent', TRACEPARENT]]);
    assert.deepEqual(ids, { traceId: BigInt('0xa3ce929d0e0e4736').toString(), spanId: BigInt('0x00f067aa0ba902b7').toString() });
    assert.equal(ids?.traceId, '11803532876627986230');
  });

  it('falls back to traceparent when the Datadog id is invalid', () => {
    const ids = traceIdsFromHeaders([['x-datadog-trace-id', 'abc'], ['traceparent', TRACEPARENT]]);
    assert.equal(ids?.spanId, '67667974448284343');
  });

  it('returns null without trace headers', () => {
    assert.equal(traceIdsFromHeaders([['accept', '*/*']]), null);
  });

  it('ignores a repeated trace header', () => {
    assert.equal(traceIdsFromHeaders([['traceparent', TRACEPARENT], ['traceparent', TRACEPARENT]]), null);
  });
});

describe('parseDatadogId', () => {
  const cases: Array<[string | undefined, string | null]> = [
    ['1', '1'],
    [' 00042 ', '42'],
    ['18446744073709551615', '18446744073709551615'],
    ['18446744073709551616', null],
    ['0', null],
    ['-1', null],
    ['12ab', null],
    ['', null],
    [undefined, null],
    ['123456789012345678901', null],
  ];
  for (const [input, expected] of cases) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.equal(parseDatadogId(input), expected);
    });
  }
});

describe('parseTraceparent', () => {
  const malformed: Array<[string, string]> = [
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['zero low 64 bits', '00-4bf92f3577b34da60000000000000000-00f067aa0ba902b7-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['extra field in version 00', `${TRACEPARENT}-extra`],
    ['missing flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['garbage', 'not a traceparent'],
  ];
  for (const [name, value] of malformed) {
    it(`rejects ${name}`, () => {
      assert.equal(parseTraceparent(value), null);
    });
  }

  it('accepts extra fields in a later version', () => {
    assert.notEqual(parseTraceparent(`01${TRACEPARENT.slice(2)}-future`), null);
  });
});
