// Every token below is made up: it has the provider's prefix and length,
// random-looking characters, and was never issued.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCutTokenTail, providerTokenDetector } from '../../src/redaction/provider-token.js';
import { matchesOf } from './helpers.js';

const BASE62_36 = 'Zx81Qw0eRt2Yu4Io6Pa8Sd1Fg3Hj5Kl7Mn9B';
const HEX_32 = '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c';

/** Provider, then a token of its documented shape. */
const TOKENS: ReadonlyArray<readonly [string, string]> = [
  ['GitHub personal access token', `ghp_${BASE62_36}`],
  ['GitHub OAuth token', `gho_${BASE62_36}`],
  ['GitHub user-to-server token', `ghu_${BASE62_36}`],
  ['GitHub server-to-server token', `ghs_${BASE62_36}`],
  ['GitHub refresh token', `ghr_${BASE62_36}`],
  ['GitHub token longer than 36', `ghp_${BASE62_36}Ab`],
  ['GitHub stateless installation token', `ghs_123456_eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJnaXRodWIifQ.${BASE62_36}-_x`],
  ['GitHub fine-grained token', `github_pat_11ABCDEFG0aBcDeFgHiJkL_${'mN3oP5qR7sT9uV1wX3yZ5aB7cD9eF1gH3iJ5kL7mN9oP1qR3sT5uV7wX9yZ1aB3'.slice(0, 59)}`],
  ['GitLab personal access token', 'glpat-x9Kq2Lm7Np4Rs8Tv1Wy3Z'],
  ['GitLab routable token', 'glpat-Q2w3E4r5T6y7U8i9O0pAsDfGhJkL.01.0w1a2b3c4'],
  ['GitLab deploy token', 'gldt-A1b2C3d4E5f6G7h8I9j0'],
  ['GitLab runner token', 'glrt-t1_A1b2C3d4E5f6G7h8I9j0'],
  ['Slack bot token', 'xoxb-102938475610-1029384756102-Qw8Er7Ty6Ui5Op4As3Df2Gh1'],
  ['Slack user token', 'xoxp-102938475610-102938475611-1029384756102-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d'],
  ['Slack workspace token', 'xoxa-2-102938475610-1029384756102-q1w2e3r4t5'],
  ['Slack refresh token', 'xoxr-102938475610-q1w2e3r4t5y6'],
  ['Slack legacy token', 'xoxs-102938475610-q1w2e3r4t5y6'],
  ['Slack rotating token', 'xoxe.xoxp-1-Mi0yLTEwMjkzODQ3NTYxMC0xMDI5'],
  ['Slack app-level token', 'xapp-1-A0B1C2D3E4F-1029384756102-0a9b8c7d6e5f4a3b'],
  ['Stripe live secret key', 'sk_live_51Hx0QwErTyUiOpAsDfGhJkLzXcVbNm0123'],
  ['Stripe test secret key', 'sk_test_26PqRt5Uv8Wx1Yz4Ab7Cd0Ef'],
  ['Stripe live restricted key', 'rk_live_51Hx0QwErTyUiOpAsDfGhJk'],
  ['Stripe test restricted key', 'rk_test_51Hx0QwErTyUiOpAsDfGhJk'],
  ['Stripe webhook secret', 'whsec_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6'],
  ['npm token', `npm_${BASE62_36}`],
  ['Google API key', 'AIzaSyB1c2D3e4F5g6H7i8J9k0L1m2N3o4P5q6R'],
  ['SendGrid API key', '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'],
  ['Twilio API key', `SK${HEX_32}`],
  ['OpenAI project key', 'sk-proj-Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8'],
  ['Anthropic API key', 'sk-ant-api03-Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8-Vb7NmAA'],
  ['Shopify access token', `shpat_${HEX_32}`],
  ['PyPI token', `pypi-AgEIcHlwaS5vcmc${'CJDk4ZjE2YzQ3LWQ1YjgtNDJlNC1hM2YxLTg2OWE0ZmYwNjdiMQ'}`],
  ['OpenAI legacy key', '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'],
  ['Hugging Face token', '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'],
  ['Docker personal access token', 'dckr_pat_Qw8Er7Ty6Ui5Op4As3Df2Gh1Jkx'],
];

/** The JSON string escapes (RFC 8259 section 7) as they appear in raw body text. */
const JSON_ESCAPES = ['\\n', '\\t', '\\r', '\\"', '\\\\', '\\/', '\\b', '\\f', '\\u0041', '\\u00e9'];

/** Near misses: text that looks a little like a token and must stay. */
const NEAR_MISSES: ReadonlyArray<readonly [string, string]> = [
  ['ordinary words', 'ghost_protocol skeleton sk_live npm_install xoxo SG.example.com AIza'],
  ['a GitHub prefix with 35 characters', `ghp_${BASE62_36.slice(1)}`],
  ['a GitHub prefix inside a word', `xghp_${BASE62_36}`],
  ['a GitHub prefix in upper case', `GHP_${BASE62_36}`],
  ['a UUID', 'request 0f8fad5b-d9cb-469f-a165-70867728950e'],
  ['a commit hash in a URL', '/repos/acme/shop/commits/3f786850e387550fdab836ed7e6dc881de23001b'],
  ['a sha256 digest in a URL', '/blobs/sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
  ['a base64 image', 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='],
  ['a Stripe publishable key', 'pk_live_51Hx0QwErTyUiOpAsDfGhJkLzXcVbNm0123'],
  ['a Stripe key of 9 characters', 'sk_live_51Hx0QwEr'],
  ['an npm token of 35 characters', `npm_${BASE62_36.slice(1)}`],
  ['an npm token of 37 characters', `npm_${BASE62_36}Z`],
  ['a Google key of 34 characters', 'AIzaSyB1c2D3e4F5g6H7i8J9k0L1m2N3o4P5q6'],
  ['SK and 32 upper-case hex digits', `SK${HEX_32.toUpperCase()}`],
  ['TASK and 32 hex digits', `TASK${HEX_32}`],
  ['SK and 33 hex digits', `SK${HEX_32}a`],
  ['a short Slack prefix', 'xoxb-12345'],
  ['a SendGrid prefix with short parts', 'SG.abc.def'],
  ['a Shopify prefix with 31 hex digits', `shpat_${HEX_32.slice(1)}`],
  ['a file name after a GitHub prefix', 'ghs_report_2024-01-01_final_version.tar.gz'],
  ['a lower-case file name after ghs_ and digits', 'ghs_2024_annual_report_final_version_v2.tar.gz'],
  ['a dotted name after SG.', 'SG.configuration_manager.default_settings_x'],
  ['an OpenAI-like key without its marker', 'sk-Qw8Er7Ty6Ui5Op4As3DQwErTyUif2Gh1Jk0Lz9Xc8Vb7N'],
  ['a Hugging Face prefix with 33 characters', 'hf_QwErTyUiOpAsDfGhJkLzXcVbNmQwErTy'],
  ['a Docker prefix with 26 characters', 'dckr_pat_Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk'],
  ['a token after a word ending in n', `xn${'ghp_'}${BASE62_36}`],
  ['a token after a word ending in t', `at${'npm_'}${BASE62_36}`],
  ['a token after a word ending in n, with an escape elsewhere', `one\\ntwo xn${'ghp_'}${BASE62_36}`],
  ['a token after four hex digits without \\u', `x0041npm_${BASE62_36}`],
];

describe('provider_token detector', () => {
  for (const [provider, token] of TOKENS) {
    it(`finds a ${provider} in JSON`, () => {
      assert.deepEqual(matchesOf(providerTokenDetector, `{"value": "${token}", "n": 1}`), [token]);
    });
  }

  for (const [provider, token] of TOKENS) {
    it(`finds a ${provider} after JSON escapes`, () => {
      for (const escape of JSON_ESCAPES) {
        const text = `{"note":"line one${escape}${token}"}`;
        assert.deepEqual(matchesOf(providerTokenDetector, text), [token], `not found after ${escape}`);
      }
    });
  }

  it('masks SK and an md5 digest', () => {
    // The Twilio API key SID shape; see the NOTE on its format.
    const text = 'sha SKa94a8fe5ccb19ba61c4c0873d391e987';
    assert.deepEqual(matchesOf(providerTokenDetector, text), ['SKa94a8fe5ccb19ba61c4c0873d391e987']);
  });

  it('finds a token after = and at the end of text', () => {
    const token = `ghp_${BASE62_36}`;
    assert.deepEqual(matchesOf(providerTokenDetector, `GITHUB_TOKEN=${token}`), [token]);
    assert.deepEqual(matchesOf(providerTokenDetector, token), [token]);
  });

  it('finds several tokens in one string', () => {
    const text = `a npm_${BASE62_36} b SK${HEX_32} c`;
    assert.deepEqual(matchesOf(providerTokenDetector, text), [`npm_${BASE62_36}`, `SK${HEX_32}`]);
  });

  it('stops at the match limit', () => {
    const text = `xoxb-1029384756-abcdefghij `.repeat(5);
    assert.equal(providerTokenDetector.find(text, 3).length, 3);
  });

  it('masks a token longer than the bound up to the bound', () => {
    const text = `ghp_${'a'.repeat(2000)}`;
    assert.deepEqual(providerTokenDetector.find(text, 10), [{ start: 0, end: 4 + 1020 }]);
  });

  for (const [name, text] of NEAR_MISSES) {
    it(`ignores ${name}`, () => {
      assert.deepEqual(matchesOf(providerTokenDetector, text), []);
    });
  }

  it('finds a cut token at the end', () => {
    const text = 'note ghp_A1b2C3d4E5f6G7h8I9j0K1l2M';
    assert.equal(findCutTokenTail(text), 5);
    assert.equal(findCutTokenTail(`line\\n${'xoxb-1029'}`), 6);
    assert.equal(findCutTokenTail(`key=SG.Qw8Er7Ty6Ui5Op4As3Df2x.Gh1J`), 4);
  });

  it('ignores text without a cut token', () => {
    assert.equal(findCutTokenTail('note ghp_'), -1);
    assert.equal(findCutTokenTail('ghp_A1b2C3 and more'), -1);
    assert.equal(findCutTokenTail('the task-runner'), -1);
    assert.equal(findCutTokenTail('[REDACTED:provider_token]'), -1);
    assert.equal(findCutTokenTail(''), -1);
  });

  it('ignores a prefix beyond the tail bound', () => {
    const text = `ghp_${'a'.repeat(2000)}`;
    assert.equal(findCutTokenTail(text), -1);
  });
});

describe('tokens after percent, hex and HTML escapes', () => {
  const token = `ghp_${'A1b2C3d4E5'.repeat(3)}A1b2C3`;
  for (const before of ['%20', '%22', '\\x0a', '&#10', '&#x0a']) {
    it(`masks a token after ${before}`, () => {
      assert.equal(providerTokenDetector.find(`q=hello${before}${token} more`, 10).length, 1);
    });
  }
});

describe('tokens after doubled, quoted-printable, C and named escapes', () => {
  const token = `ghp_${'A1b2C3d4E5'.repeat(3)}A1b2C3`;
  for (const before of ['%2522', '%u0022', '=3D', '=22', '\\v', '\\0', '\\042', '\\a', '\\e', '&quot', '&Tab']) {
    it(`masks a token after ${before}`, () => {
      assert.equal(providerTokenDetector.find(`q=hello${before}${token} more`, 10).length, 1);
    });
  }
});
