import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerTokenDetector } from '../../src/redaction/bearer-token.js';
import { matchesOf } from './helpers.js';

describe('bearer_token detector', () => {
  it('finds the token of an authorization header', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'Bearer mF_9.B5f-4.1JqM'), ['mF_9.B5f-4.1JqM']);
  });

  it('keeps token68 padding', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'Bearer abc+/def=='), ['abc+/def==']);
  });

  it('finds the token after a percent-encoded space', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'auth=Bearer%20mF_9.B5f-4.1JqM&x=1'), ['mF_9.B5f-4.1JqM']);
  });

  it('matches the scheme case-insensitively', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'authorization: bearer s3cr3t'), ['s3cr3t']);
  });

  it('finds the token inside a log line', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'retrying with "Bearer abc123" after 401'), ['abc123']);
  });

  it('accepts a tab after the scheme', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'Bearer\tmF_9.B5f-4.1JqM'), ['mF_9.B5f-4.1JqM']);
    assert.deepEqual(matchesOf(bearerTokenDetector, 'Bearer \t s3cr3t'), ['s3cr3t']);
  });

  it('ignores Bearer without a token', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'Bearer '), []);
  });

  it('finds the token after a JSON escape', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, '{"log":"GET /\\nBearer mF_9.B5f-4.1JqM"}'), ['mF_9.B5f-4.1JqM']);
    assert.deepEqual(matchesOf(bearerTokenDetector, '{"log":"h:\\u0009Bearer mF_9.B5f-4.1JqM"}'), ['mF_9.B5f-4.1JqM']);
  });

  it('ignores Bearer inside a word', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'xBearer abc'), []);
  });

  it('ignores Basic credentials', () => {
    assert.deepEqual(matchesOf(bearerTokenDetector, 'Basic dXNlcjpwYXNz'), []);
  });
});
