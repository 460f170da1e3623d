// The detectors for AWS keys, private keys, e-mail addresses, US Social
// Security numbers and IBANs: what each finds, and look-alikes it ignores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsAccessKeyDetector } from '../../src/redaction/aws-access-key.js';
import { emailDetector } from '../../src/redaction/email.js';
import { ibanDetector, isValidIban } from '../../src/redaction/iban.js';
import { privateKeyDetector } from '../../src/redaction/private-key.js';
import { usSsnDetector } from '../../src/redaction/us-ssn.js';
import { matchesOf } from './helpers.js';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq98\nQ2ZvbmZpZGVudGlhbA==\n-----END RSA PRIVATE KEY-----';

describe('aws_access_key detector', () => {
  it('finds key ids', () => {
    assert.deepEqual(matchesOf(awsAccessKeyDetector, `id=${KEY_ID}&x=ASIAY34FZKBOKMUTVV7A`), [KEY_ID, 'ASIAY34FZKBOKMUTVV7A']);
  });

  it('finds a named secret key', () => {
    assert.deepEqual(matchesOf(awsAccessKeyDetector, `aws_secret_access_key = ${SECRET_KEY}`), [SECRET_KEY]);
    assert.deepEqual(matchesOf(awsAccessKeyDetector, `{"AWS_SECRET_ACCESS_KEY": "${SECRET_KEY}"}`), [SECRET_KEY]);
  });

  it('ignores ids inside longer words', () => {
    assert.deepEqual(matchesOf(awsAccessKeyDetector, `X${KEY_ID}`), []);
    assert.deepEqual(matchesOf(awsAccessKeyDetector, `${KEY_ID}9`), []);
  });

  it('ignores an unnamed 40-character string', () => {
    assert.deepEqual(matchesOf(awsAccessKeyDetector, `value=${SECRET_KEY}`), []);
  });
});

describe('private_key detector', () => {
  it('finds a whole block', () => {
    assert.deepEqual(matchesOf(privateKeyDetector, `key: ${PEM} end`), [PEM]);
  });

  it('finds a block with escaped newlines', () => {
    const escaped = JSON.stringify(PEM).slice(1, -1);
    assert.deepEqual(matchesOf(privateKeyDetector, `{"key":"${escaped}"}`), [escaped]);
  });

  it('masks a cut block to the end', () => {
    const cut = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA';
    assert.deepEqual(matchesOf(privateKeyDetector, `x ${cut}`), [cut]);
  });

  it('finds two blocks', () => {
    const second = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----';
    assert.deepEqual(matchesOf(privateKeyDetector, `${PEM}\n${second}`), [PEM, second]);
  });

  it('ignores public keys and certificates', () => {
    assert.deepEqual(matchesOf(privateKeyDetector, '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----'), []);
    assert.deepEqual(matchesOf(privateKeyDetector, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'), []);
  });
});

describe('email detector', () => {
  it('finds addresses', () => {
    assert.deepEqual(matchesOf(emailDetector, 'to: ada.lovelace+shop@example.co.uk, bob@mail.example.org'), ['ada.lovelace+shop@example.co.uk', 'bob@mail.example.org']);
  });

  it('finds an address in JSON', () => {
    assert.deepEqual(matchesOf(emailDetector, '{"email":"carol@example.com"}'), ['carol@example.com']);
  });

  it('finds a percent-encoded address', () => {
    assert.deepEqual(matchesOf(emailDetector, 'contact=ada.l%2Bshop%40example.com&x=1'), ['ada.l%2Bshop%40example.com']);
  });

  it('ignores hosts without a top-level domain', () => {
    assert.deepEqual(matchesOf(emailDetector, 'user@localhost and git@github'), []);
  });

  it('ignores a bare at sign', () => {
    assert.deepEqual(matchesOf(emailDetector, '@example.com and a@ b'), []);
  });
});

describe('us_ssn detector', () => {
  it('finds dashed numbers', () => {
    assert.deepEqual(matchesOf(usSsnDetector, 'ssn=123-45-6789; other 078-05-1120'), ['123-45-6789', '078-05-1120']);
  });

  it('ignores numbers never issued', () => {
    for (const number of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000']) {
      assert.deepEqual(matchesOf(usSsnDetector, number), [], number);
    }
  });

  it('ignores undashed and longer runs', () => {
    assert.deepEqual(matchesOf(usSsnDetector, '123456789'), []);
    assert.deepEqual(matchesOf(usSsnDetector, '1123-45-6789'), []);
    assert.deepEqual(matchesOf(usSsnDetector, '2024-01-1234-5'), []);
  });
});

describe('iban detector', () => {
  it('finds compact and grouped IBANs', () => {
    assert.deepEqual(matchesOf(ibanDetector, 'iban=DE89370400440532013000'), ['DE89370400440532013000']);
    assert.deepEqual(matchesOf(ibanDetector, 'pay to GB29 NWBK 6016 1331 9268 19 today'), ['GB29 NWBK 6016 1331 9268 19']);
    assert.deepEqual(matchesOf(ibanDetector, 'NO9386011117947'), ['NO9386011117947']);
  });

  it('ignores a wrong check digit', () => {
    assert.deepEqual(matchesOf(ibanDetector, 'DE00370400440532013000'), []);
    assert.deepEqual(matchesOf(ibanDetector, 'DE89370400440532013001'), []);
  });

  it('checks mod 97', () => {
    assert.equal(isValidIban('FR1420041010050500013M02606'), true);
    assert.equal(isValidIban('FR1420041010050500013M02607'), false);
    assert.equal(isValidIban('DE8937040044'), false, 'too short');
  });
});
