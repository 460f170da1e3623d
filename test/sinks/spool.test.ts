import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Spool } from '../../src/sinks/spool.js';

function spoolDirectory(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'ctxproc-spool-')), 'datadog');
}

test('spool returns oldest segment first', async () => {
  const spool = new Spool({ directory: spoolDirectory(), maxBytes: 1_000_000 });
  await spool.write(['{"n":1}', '{"n":2}']);
  await spool.write(['{"n":3}']);

  const first = await spool.oldest();
  assert.deepEqual(first?.lines, ['{"n":1}', '{"n":2}']);
  assert.equal(spool.depth, 3);

  await spool.remove(first?.file ?? '');
  assert.deepEqual((await spool.oldest())?.lines, ['{"n":3}']);
  assert.equal(spool.depth, 1);
});

test('spool survives a restart', async () => {
  const directory = spoolDirectory();
  const before = new Spool({ directory, maxBytes: 1_000_000 });
  await before.write(['{"n":1}']);
  await before.write(['{"n":2}', '{"n":3}']);

  const after = new Spool({ directory, maxBytes: 1_000_000 });
  assert.equal(after.depth, 3);
  assert.equal(after.segmentCount, 2);
  await after.write(['{"n":4}']);
  const names = readdirSync(directory).sort();
  assert.equal(names.length, 3);
  assert.deepEqual((await after.oldest())?.lines, ['{"n":1}']);
});

test('spool deletes oldest past max bytes', async () => {
  const spool = new Spool({ directory: spoolDirectory(), maxBytes: 20 });
  assert.equal(await spool.write(['{"n":1}', '{"n":2}']), 0);

  const dropped = await spool.write(['{"n":3}', '{"n":4}']);
  assert.equal(dropped, 2);
  assert.deepEqual((await spool.oldest())?.lines, ['{"n":3}', '{"n":4}']);
});

test('spool files are private to the owner', async () => {
  const directory = spoolDirectory();
  const spool = new Spool({ directory, maxBytes: 1_000_000 });
  await spool.write(['{"n":1}']);

  const [name] = readdirSync(directory);
  const file = path.join(directory, name ?? '');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8'), '{"n":1}\n');
});
