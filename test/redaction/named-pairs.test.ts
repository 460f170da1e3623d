import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findNamedPairs } from '../../src/redaction/named-pairs.js';
import { Redactor } from '../../src/redaction/redactor.js';
import { nameVariants } from '../../src/redaction/target-names.js';
import { makeSpec } from './helpers.js';

const TARGETS = { queryParams: ['password', 'token'], headers: ['x-api-key'], cookies: ['sid'] };

function redact(text: string): string {
  return new Redactor(makeSpec(TARGETS)).text('ctxproc.fields.copy', text);
}

describe('nameVariants', () => {
  it('finds password inside a longer word', () => {
    assert.ok(nameVariants('PGPASSWORD').includes('password'));
    assert.ok(nameVariants('userPasswd').includes('passwd'));
    assert.equal(redact('PGPASSWORD=hunter2 psql'), 'PGPASSWORD=[REDACTED:named_value] psql');
  });

  it('decodes and lower-cases', () => {
    assert.deepEqual(nameVariants('TOK%45N'), ['token']);
  });

  it('lists credential words of a name', () => {
    assert.deepEqual(nameVariants('spring.datasource.Password'), ['spring.datasource.password', 'password']);
    assert.deepEqual(nameVariants('DB_PASSWORD'), ['db_password', 'password']);
    assert.deepEqual(nameVariants('password_confirmation'), ['password_confirmation', 'password']);
    assert.deepEqual(nameVariants('passwordConfirmation'), ['passwordconfirmation', 'password']);
    assert.deepEqual(nameVariants('password2'), ['password2', 'password']);
    assert.deepEqual(nameVariants('user[db-token]'), ['user[db-token]', 'user', 'db-token', 'token']);
    assert.deepEqual(nameVariants('refreshToken'), ['refreshtoken', 'token']);
    assert.deepEqual(nameVariants('clientSecret'), ['clientsecret', 'secret']);
    assert.deepEqual(nameVariants('db_api_key'), ['db_api_key', 'apikey']);
    assert.deepEqual(nameVariants('user_pass'), ['user_pass', 'pass']);
  });

  it('keeps other words of a name to themselves', () => {
    assert.deepEqual(nameVariants('token_type'), ['token_type']);
    assert.deepEqual(nameVariants('sort_key'), ['sort_key']);
    assert.deepEqual(nameVariants('country_code'), ['country_code']);
    assert.deepEqual(nameVariants('trailing_'), ['trailing_']);
  });

  it('lists base and bracket segments', () => {
    assert.deepEqual(nameVariants('a[b][Token]'), ['a[b][token]', 'a', 'b', 'token']);
    assert.deepEqual(nameVariants('token[]'), ['token[]', 'token']);
    assert.deepEqual(nameVariants('user%5Bpassword%5D'), ['user[password]', 'user', 'password']);
  });

  it('compares the last 128 characters', () => {
    const variants = nameVariants(`${'x'.repeat(500)}[token]`);
    assert.equal(variants[0]!.length, 128);
    assert.ok(variants.includes('token'));
  });
});

describe('named pairs in text', () => {
  it('masks name=value in plain text', () => {
    assert.equal(redact('login failed for password=hunter2-Secret! from 10.0.0.1'), 'login failed for password=[REDACTED:named_value] from 10.0.0.1');
  });

  it('masks a copied query string', () => {
    assert.equal(redact('page=2&Token=qt-91c4e7a2&sort=asc'), 'page=2&Token=[REDACTED:named_value]&sort=asc');
  });

  it('masks Rails and PHP forms', () => {
    assert.equal(
      redact('user[password]=p1&token[]=t1&a[b][token]=t2&user%5Bpassword%5D=p2'),
      'user[password]=[REDACTED:named_value]&token[]=[REDACTED:named_value]&a[b][token]=[REDACTED:named_value]&user%5Bpassword%5D=[REDACTED:named_value]',
    );
  });

  it('masks header and cookie names', () => {
    assert.equal(redact('X-Api-Key: ak_live_Zq8\nsid=s-7f3a'), 'X-Api-Key: [REDACTED:header]\nsid=[REDACTED:cookie]');
  });

  it('masks a dumped header to the end of its line', () => {
    assert.equal(redact('X-Api-Key: Token abcd1234secretZZq\r\nAccept: */*'), 'X-Api-Key: [REDACTED:header]\r\nAccept: */*');
  });

  it('masks pairs after a string escape in a JSON-encoded line', () => {
    assert.equal(redact('{"log":"line1\\npassword=JK03"}'), '{"log":"line1\\npassword=[REDACTED:named_value]"}');
    assert.equal(redact('{"dump":"Host: a\\r\\nX-Api-Key: JK01\\nAccept: */*"}'), '{"dump":"Host: a\\r\\nX-Api-Key: [REDACTED:header]"}');
    assert.equal(redact('{"log":"caf\\u00e9token=JK04"}'), '{"log":"caf\\u00e9token=[REDACTED:named_value]"}');
  });

  it('masks a value in escaped quotes', () => {
    assert.equal(redact('{"msg":"login password=\\"B01\\" failed"}'), '{"msg":"login password=\\"[REDACTED:named_value]\\" failed"}');
  });

  it('masks an object or array after = whole', () => {
    assert.equal(redact('password={"a":"x1","b":"x2"}&x=1'), 'password=[REDACTED:named_value]&x=1');
    assert.equal(redact('token=["t1","t2"] rest'), 'token=[REDACTED:named_value] rest');
  });

  it('masks a member of JSON inside a JSON string', () => {
    assert.equal(redact('{"inner":"{\\"password\\": \\"p29\\", \\"user\\": \\"ada\\"}"}'), '{"inner":"{\\"password\\": \\"[REDACTED:named_value]\\", \\"user\\": \\"ada\\"}"}');
    assert.equal(redact('{"inner":"{\\"token\\":123456789}"}'), '{"inner":"{\\"token\\":[REDACTED:named_value]}"}');
  });

  it('masks a JSON object or array value whole', () => {
    assert.equal(redact('{"password": {"old": "B02a", "new": "x}y"}, "ok": 1}'), '{"password": [REDACTED:named_value], "ok": 1}');
    assert.equal(redact('{"token": ["B03a", "B03b"]}'), '{"token": [REDACTED:named_value]}');
  });

  it('masks names by their credential words', () => {
    assert.equal(
      redact('spring.datasource.password=S1 DATABASE_PASSWORD=S2 db-password=S3 page=2'),
      'spring.datasource.password=[REDACTED:named_value] DATABASE_PASSWORD=[REDACTED:named_value] db-password=[REDACTED:named_value] page=2',
    );
  });

  it('masks a pair of a query string encoded inside a parameter value', () => {
    assert.equal(redact('redirect=%2Fcb%3Ftoken%3DQ02&x=1'), 'redirect=%2Fcb%3Ftoken%3D[REDACTED:named_value]&x=1');
    assert.equal(redact('next=%2Fcb%3Fa%3D1%26password%3dQ03%26b%3D2'), 'next=%2Fcb%3Fa%3D1%26password%3d[REDACTED:named_value]%26b%3D2');
    assert.equal(redact('next=%2Fcb%3Fpage%3D2'), 'next=%2Fcb%3Fpage%3D2');
  });

  it('leaves colon pairs of other names alone', () => {
    assert.equal(redact('sort=key:asc&filter=auth:none'), 'sort=key:asc&filter=auth:none');
  });

  it('leaves JSON literals alone', () => {
    assert.equal(redact('{"token":true,"password":null}'), '{"token":true,"password":null}');
  });

  it('masks quoted values', () => {
    assert.equal(redact(`token="a b c" password='x y'`), `token="[REDACTED:named_value]" password='[REDACTED:named_value]'`);
  });

  it('masks JSON members', () => {
    const json = '{"user":"ada","Password": "hun\\"ter2","card":{"token":12345},"tokens":"keep"}';
    assert.equal(redact(json), '{"user":"ada","Password": "[REDACTED:named_value]","card":{"token":[REDACTED:named_value]},"tokens":"keep"}');
  });

  it('masks JSON keys written with escapes', () => {
    const json = '{"pass\\u0077ord":"hunter2","to\\u006ben":"t-1","note":"say \\"hi\\"","bad\\u00":"keep"}';
    assert.equal(redact(json), '{"pass\\u0077ord":"[REDACTED:named_value]","to\\u006ben":"[REDACTED:named_value]","note":"say \\"hi\\"","bad\\u00":"keep"}');
  });

  it('masks a JSON value cut short', () => {
    assert.equal(redact('{"password": "hunter2-and-mo'), '{"password": "[REDACTED:named_value]');
  });

  it('keeps names that only contain a target', () => {
    const text = 'mytoken=abc&tokenizer: x&token_type=bearer';
    assert.equal(redact(text), text);
  });

  it('masks a name with a credential word as one of its words', () => {
    assert.equal(redact('password_hint=def&sort=asc'), 'password_hint=[REDACTED:named_value]&sort=asc');
  });

  it('keeps a value that is already a mask', () => {
    const redactor = new Redactor(makeSpec(TARGETS), { mode: 'hmac', hmacKey: Buffer.alloc(32, 1) });
    const masked = 'token=[REDACTED:query_param:hmac=0123456789abcdef]';
    assert.equal(redactor.text('message', masked), masked);
  });

  it('records field, reason and rule', () => {
    const redactor = new Redactor(makeSpec(TARGETS));
    redactor.text('http.request.body', 'password=hunter2');
    assert.deepEqual(redactor.entries(), [{ field: 'http.request.body', reason: 'named_value', rule: 'redact-secrets' }]);
  });

  it('masks the rest after the match limit', () => {
    const redactor = new Redactor(makeSpec(TARGETS), { maxMatchesPerString: 3 });
    const output = redactor.text('message', Array.from({ length: 6 }, (_, index) => `token=secret-${index}`).join('&'));
    assert.equal(output.includes('secret'), false);
    assert.ok(output.endsWith('[REDACTED:match_limit]'));
  });

  it('bounds the work on a long name run', () => {
    const lookups: string[] = [];
    const text = `${'a'.repeat(50_000)}=v`;
    const found = findNamedPairs(text, (name) => {
      lookups.push(name);
      return null;
    }, 10);
    assert.deepEqual(found.spans, []);
    assert.equal(lookups.length, 1);
    assert.equal(lookups[0]!.length, 128);
  });
});

describe('structured bodies', () => {
  it('mask a multipart field by name', () => {
    const body = '--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter2-Secret!x\r\n--b\r\nContent-Disposition: form-data; name="user"\r\n\r\nada\r\n--b--';
    assert.equal(redact(body), body.replace('hunter2-Secret!x', '[REDACTED:named_value]'));
  });

  it('mask a multipart field with part headers', () => {
    const body = '--b\r\nContent-Disposition: form-data; name="token"\r\nContent-Type: text/plain\r\n\r\ntok-9c2e1b8d\r\n--b--';
    assert.equal(redact(body), body.replace('tok-9c2e1b8d', '[REDACTED:named_value]'));
  });

  it('mask an XML element by name', () => {
    const body = '<wsse:UsernameToken><wsse:Username>ada</wsse:Username><wsse:Password Type="text">hunter2-Secret!x</wsse:Password></wsse:UsernameToken>';
    assert.equal(redact(body), body.replace('hunter2-Secret!x', '[REDACTED:named_value]'));
  });
});

describe('structured bodies, other spellings', () => {
  it('mask a multipart field with an unquoted name', () => {
    const body = '--b\r\nContent-Disposition: form-data; name=password\r\n\r\nUnquotedPw_6677\r\n--b--';
    assert.equal(redact(body), body.replace('UnquotedPw_6677', '[REDACTED:named_value]'));
  });

  it('mask an XML CDATA section by name', () => {
    const body = '<password><![CDATA[CdataPw_3434]]></password>';
    assert.equal(redact(body), '<password><![CDATA[[REDACTED:named_value]]]></password>');
  });
});

describe('name: value in free text and YAML', () => {
  it('masks credential names to the end of the line', () => {
    assert.equal(redact('login failed password: hunter2 now\nnext'), 'login failed password: [REDACTED:named_value]\nnext');
    assert.equal(redact('user[password]:abc'), 'user[password]:[REDACTED:named_value]');
  });

  it('keeps names that are no credential', () => {
    assert.equal(redact('Note: password must be 8 chars\nContent-Type: text/plain'), 'Note: password must be 8 chars\nContent-Type: text/plain');
    assert.equal(redact('token_type: bearer'), 'token_type: bearer');
  });

  it('ends the value with its JSON string', () => {
    assert.equal(redact('{"error":"invalid token: abc d","code":401}'), '{"error":"invalid token: [REDACTED:named_value]","code":401}');
    assert.equal(redact('["password: a\\"b"]'), '["password: [REDACTED:named_value]"]');
  });

  it('masks a quoted value to its closing quote', () => {
    assert.equal(redact("password: 'a b' c\nnext"), 'password: [REDACTED:named_value] c\nnext');
  });

  it('ends a value with its string or tag', () => {
    assert.equal(redact('<tr><th>Password:</th><td>hunter2</td></tr>'), '<tr><th>Password:</th><td>[REDACTED:named_value]</td></tr>');
    assert.equal(redact('<p>Password: <b>hunter2</b></p><p>kept</p>'), '<p>Password: <b>[REDACTED:named_value]</b></p><p>kept</p>');
    assert.equal(redact('throw new Error("Invalid password: too short");run();'), 'throw new Error("Invalid password: [REDACTED:named_value]");run();');
    assert.equal(redact("console.log('password: ' + pw);b();"), "console.log('password: ' + pw);b();");
    assert.equal(redact('Reset your password: click below\nkept'), 'Reset your password: [REDACTED:named_value]\nkept');
  });

  it('masks quotes inside a bare password', () => {
    assert.equal(redact('password: ab<cd"/e;f\nkept'), 'password: [REDACTED:named_value]\nkept');
    assert.equal(redact('password: "ab\\"cd" rest'), 'password: [REDACTED:named_value] rest');
    assert.equal(redact("password: 'ab'cd"), 'password: [REDACTED:named_value]');
  });

  it('keeps the tags of a header dump value', () => {
    assert.equal(redact('X-Api-Key: <b>k3y</b>\nkept'), 'X-Api-Key: [REDACTED:header]\nkept');
  });

  it('masks the block under a key without a value', () => {
    assert.equal(redact('password:\n  a: 1\n\n  b: 2\nname: x'), 'password:\n  [REDACTED:named_value]\nname: x');
    assert.equal(redact('password:\r\n  a\r\nname: x'), 'password:\r\n  [REDACTED:named_value]\r\nname: x');
  });

  it('masks a block scalar', () => {
    assert.equal(redact('token: |-\n  line one\n  line two\nname: x'), 'token: [REDACTED:named_value]\nname: x');
  });

  it('takes list items at the key indent unless the key is an item', () => {
    assert.equal(redact('password:\n- a\n- b\nname: x'), 'password:\n[REDACTED:named_value]\nname: x');
    assert.equal(redact('- password:\n- name: x'), '- password:\n- name: x');
  });

  it('masks nothing under a key without children', () => {
    assert.equal(redact('password:\nname: x'), 'password:\nname: x');
  });
});
