import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jwtDetector } from '../../src/redaction/jwt.js';
import { matchesOf } from './helpers.js';

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const PAYLOAD = Buffer.from('{"sub":"1234567890","name":"Ada"}').toString('base64url');
const SIGNATURE = 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const TOKEN = `${HEADER}.${PAYLOAD}.${SIGNATURE}`;

describe('jwt detector', () => {
  it('finds a signed token', () => {
    assert.deepEqual(matchesOf(jwtDetector, `token=${TOKEN}&x=1`), [TOKEN]);
  });

  it('finds an unsecured token with an empty signature', () => {
    const unsecured = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${PAYLOAD}.`;
    assert.deepEqual(matchesOf(jwtDetector, `"${unsecured}"`), [unsecured]);
  });

  it('finds a token after Bearer', () => {
    assert.deepEqual(matchesOf(jwtDetector, `Bearer ${TOKEN}`), [TOKEN]);
  });

  it('finds a token cut before its signature', () => {
    assert.deepEqual(matchesOf(jwtDetector, `${HEADER}.${PAYLOAD}`), [`${HEADER}.${PAYLOAD}`]);
  });

  it('ignores two segments without claims', () => {
    assert.deepEqual(matchesOf(jwtDetector, `${HEADER}.c2lnbmF0dXJl`), []);
  });

  it('finds headers with blanks', () => {
    for (const json of ['{ "alg": "none" }', '{\n  "alg": "HS256"\n}', '{\r\n"alg":"HS256"}', '{\t"alg":"HS256"}']) {
      const token = `${Buffer.from(json).toString('base64url')}.${PAYLOAD}.`;
      assert.deepEqual(matchesOf(jwtDetector, `t=${token}`), [token], JSON.stringify(json));
    }
  });

  it('ignores host names', () => {
    assert.deepEqual(matchesOf(jwtDetector, 'see ewok.example.com and eyes.example.org'), []);
  });

  it('ignores a header not starting eyJ', () => {
    assert.deepEqual(matchesOf(jwtDetector, `abc.${PAYLOAD}.${SIGNATURE}`), []);
  });

  it('finds a token after JSON escapes', () => {
    for (const escape of ['\\n', '\\t', '\\u0020']) {
      assert.deepEqual(matchesOf(jwtDetector, `{"log":"auth ok${escape}${TOKEN}"}`), [TOKEN], `not found after ${escape}`);
    }
  });

  it('ignores eyJ inside a longer word', () => {
    assert.deepEqual(matchesOf(jwtDetector, `x${TOKEN}`), []);
  });

  it('scans a long run without dots in linear time', () => {
    const text = `eyJ${'a'.repeat(1_000_000)}`;
    const started = process.hrtime.bigint();
    jwtDetector.find(text, 256);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms`);
  });

  it('scans many eyJ starts in linear time', () => {
    const text = 'eyJa.b '.repeat(150_000);
    const started = process.hrtime.bigint();
    assert.equal(jwtDetector.find(text, 256).length, 0);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms`);
  });
});
