import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DirectionState, DirectionTracker } from '../../src/session/direction.js';

type Step = ['headers' | 'body' | 'trailers', boolean];

const accepted: Array<{ name: string; steps: Step[]; final: DirectionState }> = [
  { name: 'headers only', steps: [['headers', true]], final: DirectionState.HeadersEnded },
  { name: 'headers then buffered body', steps: [['headers', false], ['body', true]], final: DirectionState.BodyEnded },
  { name: 'streamed chunks', steps: [['headers', false], ['body', false], ['body', false], ['body', true]], final: DirectionState.BodyEnded },
  { name: 'body then trailers', steps: [['headers', false], ['body', false], ['trailers', true]], final: DirectionState.Trailers },
  { name: 'headers then trailers without body', steps: [['headers', false], ['trailers', true]], final: DirectionState.Trailers },
  { name: 'headers skipped, body first', steps: [['body', true]], final: DirectionState.BodyEnded },
  { name: 'only trailers', steps: [['trailers', true]], final: DirectionState.Trailers },
];

const rejected: Array<{ name: string; steps: Step[]; code: string }> = [
  { name: 'headers twice', steps: [['headers', false], ['headers', false]], code: 'CTXPROC_PROTO_DUPLICATE_PHASE' },
  { name: 'body after end of stream headers', steps: [['headers', true], ['body', false]], code: 'CTXPROC_PROTO_OUT_OF_ORDER' },
  { name: 'chunk after last chunk', steps: [['headers', false], ['body', true], ['body', false]], code: 'CTXPROC_PROTO_DUPLICATE_PHASE' },
  { name: 'headers after body', steps: [['body', false], ['headers', false]], code: 'CTXPROC_PROTO_OUT_OF_ORDER' },
  { name: 'trailers twice', steps: [['headers', false], ['trailers', true], ['trailers', true]], code: 'CTXPROC_PROTO_DUPLICATE_PHASE' },
  { name: 'body after trailers', steps: [['headers', false], ['trailers', true], ['body', false]], code: 'CTXPROC_PROTO_OUT_OF_ORDER' },
  { name: 'trailers after final chunk', steps: [['headers', false], ['body', true], ['trailers', true]], code: 'CTXPROC_PROTO_OUT_OF_ORDER' },
];

for (const { name, steps, final } of accepted) {
  test(`direction accepts ${name}`, () => {
    const tracker = new DirectionTracker('request');
    for (const [part, endOfStream] of steps) {
      assert.equal(tracker.accept(part, endOfStream), null, `${part} rejected`);
    }
    assert.equal(tracker.state, final);
  });
}

for (const { name, steps, code } of rejected) {
  test(`direction rejects ${name}`, () => {
    const tracker = new DirectionTracker('response');
    const violations = steps.map(([part, endOfStream]) => tracker.accept(part, endOfStream));
    const last = violations.at(-1);

    assert.ok(violations.slice(0, -1).every((violation) => violation === null), 'an earlier step was rejected');
    assert.equal(last?.code, code);
    assert.match(last?.message ?? '', /^response_/);
  });
}
