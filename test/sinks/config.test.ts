import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CtxprocError } from '../../src/errors/codes.js';
import { defaultSinksConfig, loadSinksConfig, type DatadogSinkConfig, type SinkDefaults } from '../../src/sinks/config.js';

const KEY = 'dd-config-test-key-1234567890abcdef';
const DEFAULTS: SinkDefaults = { ddSite: 'datadoghq.eu', ddApiKeyFile: null, env: { DD_API_KEY: KEY } };

function sinksFile(text: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-sinks-config-'));
  const file = path.join(directory, 'sinks.yaml');
  writeFileSync(file, text);
  return file;
}

function configError(text: string, defaults: SinkDefaults = DEFAULTS): string {
  try {
    loadSinksConfig(sinksFile(text), defaults);
  } catch (error) {
    assert.ok(error instanceof CtxprocError);
    assert.equal(error.code, 'CTXPROC_CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected the sinks file to be rejected');
}

test('no sinks file means stdout only', () => {
  assert.deepEqual(defaultSinksConfig(), { sinks: [{ name: 'stdout', type: 'stdout', format: 'datadog', maxBufferBytes: 64 * 1024 * 1024 }], defaultSinks: ['stdout'] });
});

test('sinks file fills in defaults', () => {
  const file = sinksFile(`sinks:
  - { name: stdout, type: stdout }
  - { name: archive, type: file, path: events/archive.jsonl, format: ocsf }
  - name: datadog
    type: datadog
    spool: { directory: spool }
default_sinks: [stdout]
`);
  const config = loadSinksConfig(file, DEFAULTS);

  assert.deepEqual(config.defaultSinks, ['stdout']);
  assert.deepEqual(config.sinks[1], { name: 'archive', type: 'file', format: 'ocsf', maxBufferBytes: 64 * 1024 * 1024, path: path.join(path.dirname(file), 'events/archive.jsonl') });
  const datadog = config.sinks[2] as DatadogSinkConfig;
  assert.equal(datadog.url, 'https://http-intake.logs.datadoghq.eu/api/v2/logs');
  assert.equal(datadog.apiKey, KEY);
  assert.deepEqual(datadog.batch, { maxEvents: 1000, maxBytes: 5_000_000, intervalMs: 1000 });
  assert.deepEqual(datadog.retry, { baseMs: 2000, maxMs: 64_000 });
  assert.equal(datadog.spool?.directory, path.join(path.dirname(file), 'spool'));
});

test('default sinks are every sink', () => {
  const config = loadSinksConfig(sinksFile('sinks:\n  - { name: one, type: stdout }\n  - { name: two, type: stdout, format: ecs }\n'), DEFAULTS);

  assert.deepEqual(config.defaultSinks, ['one', 'two']);
});

test('api key file wins over the variable', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'ctxproc-key-'));
  writeFileSync(path.join(directory, 'key'), 'from-file-key\n');
  const config = loadSinksConfig(sinksFile('sinks:\n  - { name: datadog, type: datadog }\n'), { ...DEFAULTS, ddApiKeyFile: path.join(directory, 'key') });

  assert.equal((config.sinks[0] as DatadogSinkConfig).apiKey, 'from-file-key');
});

test('invalid sinks files are rejected', () => {
  const cases: Array<[string, RegExp]> = [
    ['sinks:\n  - { name: datadog, type: datadog, batch: { max_events: 5000 } }\n', /max_events.*must be <= 1000/],
    ['sinks:\n  - { name: out, type: stdout, path: x }\n', /additional properties \(path\)/],
    ['sinks:\n  - { name: out, type: kafka }\n', /must be equal to one of the allowed values/],
    ['sinks:\n  - { name: a, type: stdout }\n  - { name: a, type: stdout }\n', /"a" is used twice/],
    ['sinks:\n  - { name: a, type: stdout }\ndefault_sinks: [b]\n', /default_sinks names "b", which is not declared/],
    ['sinks:\n  - { name: a, type: file }\n', /must have required property 'path'/],
    ['sinks: [\n', /cannot be read or parsed/],
  ];
  for (const [text, expected] of cases) {
    assert.match(configError(text), expected, text);
  }
});

test('missing API key is named without a value', () => {
  const message = configError('sinks:\n  - { name: datadog, type: datadog }\n', { ...DEFAULTS, env: {} });

  assert.match(message, /sink "datadog" has no API key: set api_key_file/);
});

test('unreadable API key file is named', () => {
  const message = configError('sinks:\n  - { name: datadog, type: datadog, api_key_file: missing-key }\n');

  assert.match(message, /API key file .*missing-key cannot be read \(ENOENT\)/);
});
