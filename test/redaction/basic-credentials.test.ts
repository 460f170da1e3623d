import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicCredentialsDetector } from '../../src/redaction/basic-credentials.js';
import { matchesOf } from './helpers.js';

const CREDENTIALS = Buffer.from('aladdin:opensesame').toString('base64');

describe('basic_credentials detector', () => {
  it('finds the credentials of an authorization header', () => {
    assert.deepEqual(matchesOf(basicCredentialsDetector, `Basic ${CREDENTIALS}`), [CREDENTIALS]);
  });

  it('matches the scheme case-insensitively', () => {
    assert.deepEqual(matchesOf(basicCredentialsDetector, `proxy-authorization: basic ${CREDENTIALS}`), [CREDENTIALS]);
  });

  it('finds credentials without padding', () => {
    const unpadded = Buffer.from('a:bc').toString('base64').replace(/=+$/, '');
    assert.deepEqual(matchesOf(basicCredentialsDetector, `Basic ${unpadded}`), [unpadded]);
  });

  it('finds credentials after a JSON escape', () => {
    assert.deepEqual(matchesOf(basicCredentialsDetector, `{"log":"h:\\tBasic ${CREDENTIALS}"}`), [CREDENTIALS]);
  });

  it('ignores prose after Basic', () => {
    assert.deepEqual(matchesOf(basicCredentialsDetector, 'Basic plan selected'), []);
  });

  it('ignores base64 without a colon', () => {
    assert.deepEqual(matchesOf(basicCredentialsDetector, `Basic ${Buffer.from('nocolon').toString('base64')}`), []);
  });

  it('ignores a WWW-Authenticate challenge', () => {
    assert.deepEqual(matchesOf(basicCredentialsDetector, 'Basic realm="staging"'), []);
  });

  it('ignores Bearer tokens', () => {
    assert.deepEqual(matchesOf(basicCredentialsDetector, `Bearer ${CREDENTIALS}`), []);
  });
});
