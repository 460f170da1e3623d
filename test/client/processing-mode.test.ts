// ProcessingMode conversion, the mode_override merge and the allow-list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  effectiveModeOverride,
  isOverrideAllowed,
  requestDirectionMode,
  responseDirectionMode,
  toProcessingMode,
  validateProcessingMode,
} from '../../src/client/processing-mode.js';

test('defaults send headers and skip bodies and trailers', () => {
  const mode = toProcessingMode(undefined);

  assert.deepEqual(requestDirectionMode(mode), { sendHeaders: true, bodyMode: 0, sendTrailers: false });
  assert.deepEqual(responseDirectionMode(mode), { sendHeaders: true, bodyMode: 0, sendTrailers: false });
});

test('SKIP and SEND map to each direction', () => {
  const mode = toProcessingMode({ request_header_mode: 'SKIP', response_trailer_mode: 'SEND', response_body_mode: 'STREAMED' });

  assert.equal(requestDirectionMode(mode).sendHeaders, false);
  assert.deepEqual(responseDirectionMode(mode), { sendHeaders: true, bodyMode: 1, sendTrailers: true });
});

test('override DEFAULT keeps configured header and trailer modes', () => {
  const configured = toProcessingMode({ response_header_mode: 'SKIP', request_trailer_mode: 'SEND' });

  const merged = effectiveModeOverride({ response_header_mode: 0, request_trailer_mode: 0 }, configured);

  assert.equal(merged.response_header_mode, 2);
  assert.equal(merged.request_trailer_mode, 1);
});

test('override copies body modes literally', () => {
  const configured = toProcessingMode({ request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' });

  const merged = effectiveModeOverride({ response_body_mode: 2 }, configured);

  assert.equal(merged.request_body_mode, 0, 'unset becomes NONE');
  assert.equal(merged.response_body_mode, 2);
});

test('allow-list matches exactly, ignoring request_header_mode', () => {
  const candidate = toProcessingMode({ request_header_mode: 'SKIP', response_body_mode: 'BUFFERED' });
  const listed = toProcessingMode({ response_body_mode: 'BUFFERED' });
  const other = toProcessingMode({ response_body_mode: 'STREAMED' });

  assert.equal(isOverrideAllowed(candidate, []), true);
  assert.equal(isOverrideAllowed(candidate, [listed]), true);
  assert.equal(isOverrideAllowed(candidate, [other]), false);
});

test('FULL_DUPLEX_STREAMED needs trailer mode SEND', () => {
  assert.throws(
    () => validateProcessingMode(toProcessingMode({ request_body_mode: 'FULL_DUPLEX_STREAMED' })),
    /request_trailer_mode SEND/,
  );
  validateProcessingMode(toProcessingMode({ response_body_mode: 'FULL_DUPLEX_STREAMED', response_trailer_mode: 'SEND' }));
});
