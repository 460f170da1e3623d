// Decoded body views are made once per capture and shared by every reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyJson, bodyText, forgetBodyViews } from '../../src/model/body-text.js';
import { body } from '../rules/builders.js';

test('body text decodes UTF-8 once', () => {
  const capture = body('{"name":"Zoë"}');

  const first = bodyText(capture);
  assert.equal(first, '{"name":"Zoë"}');

  // A changed buffer shows the cached text, which proves the second call did not decode again.
  capture.bytes.fill(0x20);
  assert.equal(bodyText(capture), first);
});

test('body JSON parses once', () => {
  const capture = body('{"items":[1,2]}');

  const first = bodyJson(capture);
  assert.deepEqual(first, { items: [1, 2] });
  assert.equal(bodyJson(capture), first);
});

test('body JSON of blank or invalid text', () => {
  assert.equal(bodyJson(body('')), undefined);
  assert.equal(bodyJson(body('   ')), undefined);
  assert.equal(bodyJson(body('{"open":')), undefined);
});

test('separate captures decode separately', () => {
  assert.equal(bodyText(body('a')), 'a');
  assert.equal(bodyText(body('b')), 'b');
});

test('forgotten views decode again', () => {
  const capture = body('{"a":1}');
  const text = bodyText(capture);
  const json = bodyJson(capture);

  forgetBodyViews(capture);

  assert.equal(bodyText(capture), text);
  assert.notEqual(bodyJson(capture), json, 'a new parse returns a new object');
  assert.deepEqual(bodyJson(capture), { a: 1 });
});
