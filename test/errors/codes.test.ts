import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/errors/codes.js';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

test('every error code is documented', () => {
  for (const code of Object.keys(ERROR_CODES)) {
    assert.ok(docs.includes(`\`${code}\``), `${code} is missing from docs/errors.md`);
  }
});

test('documented codes all exist', () => {
  const documented = [...docs.matchAll(/`(CTXPROC_[A-Z_]+)`/g)].map((match) => match[1]);
  for (const code of documented) {
    assert.ok(code, 'a documented code is empty');
    assert.ok(code in ERROR_CODES, `docs/errors.md lists ${code}, which the registry does not define`);
  }
});
