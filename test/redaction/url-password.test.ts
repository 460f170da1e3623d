import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findUrlPasswords } from '../../src/redaction/url-password.js';

function passwordsIn(text: string, maxMatches = 10): string[] {
  return findUrlPasswords(text, maxMatches).map((span) => text.slice(span.start, span.end));
}

describe('URL password scan', () => {
  it('finds the password of each scheme', () => {
    const text = 'a postgres://app:pg1@db/x b mongodb+srv://svc:mg2@c0.example.net c https://u:h3@git.example:8443/r';
    assert.deepEqual(passwordsIn(text), ['pg1', 'mg2', 'h3']);
  });

  it('ends the password at the last @ of the authority', () => {
    assert.deepEqual(passwordsIn('redis://:p@ss@cache:6379/0'), ['p@ss']);
  });

  it('reads a URL whose slashes JSON escaped', () => {
    assert.deepEqual(passwordsIn('{"dsn":"amqp:\\/\\/guest:mq4@mq\\/vhost"}'), ['mq4']);
  });

  it('ignores URLs without a password', () => {
    assert.deepEqual(passwordsIn('https://shop.example/a@b https://user@host/ mailto:ada@example.org ://x:y@z'), []);
  });

  it('finds a long userinfo without a password whole', () => {
    const token = 'ghp_16CharsOrMoreToken01';
    assert.deepEqual(passwordsIn(`git clone https://${token}@github.com/org/repo.git`), [token]);
    assert.deepEqual(passwordsIn('ssh://git@github.com/org/repo https://ada.lovelace@host/'), []);
  });

  it('stops the authority at a blank, quote or path', () => {
    assert.deepEqual(passwordsIn('https://shop.example/login?next=u:p@x "ftp://a:b c@d"'), []);
  });

  it('skips a password that is already masked', () => {
    assert.deepEqual(passwordsIn('mysql://root:[REDACTED:userinfo]@db/app'), []);
  });

  it('returns at most maxMatches spans', () => {
    assert.deepEqual(passwordsIn('x://a:1@h y://b:2@h z://c:3@h', 2), ['1', '2']);
  });
});
