import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventEmitter } from '../../../src/events/emitter.js';
import { createFormatter } from '../../../src/events/formats/index.js';
import { LineCapture } from '../fixtures.js';
import { allowedEvent } from './formats-fixtures.js';

test('datadog format equals the emitter line', async () => {
  const capture = new LineCapture();
  const emitter = createEventEmitter({ destination: capture });
  const event = allowedEvent();
  emitter.emit(event);
  await emitter.flush();

  assert.equal(createFormatter('datadog')(event), capture.text.split('\n')[0]);
});

test('datadog format masks unredacted credential headers', () => {
  const event = allowedEvent();
  event.ctxproc.headers = { request: { authorization: 'Bearer raw-token-value' } };

  const line = createFormatter('datadog')(event);
  assert.ok(!line.includes('raw-token-value'));
  assert.ok(!createFormatter('ocsf')(event).includes('raw-token-value'));
  assert.ok(!createFormatter('ecs')(event).includes('raw-token-value'));
});
