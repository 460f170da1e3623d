// Reads the sinks file (--sinks), checks it against schema/sinks.schema.json
// and fills in defaults. Without a file there is one sink, `stdout`, in the
// datadog format: ctxproc's behaviour before sinks existed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { CtxprocError } from '../errors/codes.js';
import type { EventFormat } from '../events/formats/index.js';
import { intakeUrlForSite } from './datadog-intake.js';

const SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schema/sinks.schema.json');

export const DEFAULT_SINK = 'stdout';

/** Default bound of a file sink's write buffer: 64 MiB, about 30,000 events of 2 KB. */
const DEFAULT_FILE_BUFFER_BYTES = 64 * 1024 * 1024;

export interface StreamSinkConfig {
  name: string;
  type: 'stdout' | 'file';
  format: EventFormat;
  /** File path for `file` sinks. */
  path?: string;
  /** Maximum bytes a file sink buffers; beyond it lines are dropped and counted. */
  maxBufferBytes: number;
}

export interface DatadogSinkConfig {
  name: string;
  type: 'datadog';
  format: EventFormat;
  url: string;
  apiKey: string;
  source: string;
  tags: string;
  timeoutMs: number;
  maxEventBytes: number;
  queue: { maxEvents: number; maxBytes: number };
  batch: { maxEvents: number; maxBytes: number; intervalMs: number };
  retry: { baseMs: number; maxMs: number };
  spool: { directory: string; maxBytes: number } | null;
}

export type SinkConfig = StreamSinkConfig | DatadogSinkConfig;

export interface SinksConfig {
  sinks: SinkConfig[];
  /** Sinks for log actions that name none. */
  defaultSinks: string[];
}

/** Settings that apply to datadog sinks that do not set their own. */
export interface SinkDefaults {
  ddSite: string;
  ddApiKeyFile: string | null;
  /** Environment to read DD_API_KEY from. */
  env: NodeJS.ProcessEnv;
}

/** Returns the configuration used when no sinks file is given. */
export function defaultSinksConfig(): SinksConfig {
  return { sinks: [{ name: DEFAULT_SINK, type: 'stdout', format: 'datadog', maxBufferBytes: DEFAULT_FILE_BUFFER_BYTES }], defaultSinks: [DEFAULT_SINK] };
}

interface RawSink {
  name: string;
  type: 'stdout' | 'file' | 'datadog';
  format?: EventFormat;
  path?: string;
  max_buffer_bytes?: number;
  site?: string;
  url?: string;
  api_key_file?: string;
  source?: string;
  tags?: string;
  timeout_ms?: number;
  max_event_bytes?: number;
  queue?: { max_events?: number; max_bytes?: number };
  batch?: { max_events?: number; max_bytes?: number; interval_ms?: number };
  retry?: { base_ms?: number; max_ms?: number };
  spool?: { directory: string; max_bytes?: number };
}

/** Loads the sinks file; throws CTXPROC_CONFIG_INVALID naming the file and what to fix. */
export function loadSinksConfig(file: string, defaults: SinkDefaults): SinksConfig {
  const raw = parseFile(file);
  const names = new Set<string>();
  const sinks = raw.sinks.map((sink) => {
    if (names.has(sink.name)) {
      throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${file}: sink name "${sink.name}" is used twice; give each sink its own name`);
    }
    names.add(sink.name);
    return resolveSink(sink, file, defaults);
  });

  const defaultSinks = raw.default_sinks ?? [...names];
  for (const name of defaultSinks) {
    if (!names.has(name)) {
      throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${file}: default_sinks names "${name}", which is not declared; declared sinks: ${[...names].join(', ')}`);
    }
  }
  return { sinks, defaultSinks };
}

/** Names the sinks file declares, checked against the schema, without resolving keys or paths: what `ctxproc check` needs. */
export function declaredSinkNames(file: string): Set<string> {
  return new Set(parseFile(file).sinks.map((sink) => sink.name));
}

function parseFile(file: string): { sinks: RawSink[]; default_sinks?: string[] } {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `sinks file ${file} cannot be read or parsed: ${(error as Error).message}`);
  }

  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
  if (!validate(document)) {
    const problems = (validate.errors ?? [])
      .filter((error) => error.keyword !== 'if')
      .map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`);
    // Each branch of the schema's oneOf reports the same stray field; name it once.
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `sinks file ${file} does not match schema/sinks.schema.json: ${[...new Set(problems)].join('; ')}`);
  }
  return document as { sinks: RawSink[]; default_sinks?: string[] };
}

function resolveSink(sink: RawSink, file: string, defaults: SinkDefaults): SinkConfig {
  const format = sink.format ?? 'datadog';
  if (sink.type !== 'datadog') {
    const resolved: StreamSinkConfig = { name: sink.name, type: sink.type, format, maxBufferBytes: sink.max_buffer_bytes ?? DEFAULT_FILE_BUFFER_BYTES };
    if (sink.path !== undefined) {
      resolved.path = path.resolve(path.dirname(file), sink.path);
    }
    return resolved;
  }

  return {
    name: sink.name,
    type: 'datadog',
    format,
    url: sink.url ?? intakeUrlForSite(sink.site ?? defaults.ddSite),
    apiKey: readApiKey(sink, file, defaults),
    source: sink.source ?? 'ctxproc',
    tags: sink.tags ?? '',
    timeoutMs: sink.timeout_ms ?? 10_000,
    // The intake truncates entries above 1 MB; staying below leaves room for the ddsource key.
    maxEventBytes: sink.max_event_bytes ?? 900_000,
    queue: { maxEvents: sink.queue?.max_events ?? 10_000, maxBytes: sink.queue?.max_bytes ?? 64 * 1024 * 1024 },
    batch: {
      maxEvents: sink.batch?.max_events ?? 1000,
      maxBytes: sink.batch?.max_bytes ?? 5_000_000,
      intervalMs: sink.batch?.interval_ms ?? 1000,
    },
    // The Datadog Agent backs off from 2 s up to 64 s between retries.
    retry: { baseMs: sink.retry?.base_ms ?? 2000, maxMs: sink.retry?.max_ms ?? 64_000 },
    spool: sink.spool === undefined
      ? null
      : { directory: path.resolve(path.dirname(file), sink.spool.directory), maxBytes: sink.spool.max_bytes ?? 1024 * 1024 * 1024 },
  };
}

/** Reads the API key from the sink's file, the --dd-api-key-file file, or DD_API_KEY, in that order. */
function readApiKey(sink: RawSink, file: string, defaults: SinkDefaults): string {
  const keyFile = sink.api_key_file === undefined ? defaults.ddApiKeyFile : path.resolve(path.dirname(file), sink.api_key_file);
  if (keyFile !== null) {
    let key: string;
    try {
      key = readFileSync(keyFile, 'utf8').trim();
    } catch (error) {
      throw new CtxprocError('CTXPROC_CONFIG_INVALID', `sink "${sink.name}": the API key file ${keyFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions`);
    }
    if (key === '') {
      throw new CtxprocError('CTXPROC_CONFIG_INVALID', `sink "${sink.name}": the API key file ${keyFile} is empty`);
    }
    return key;
  }

  const fromEnv = defaults.env.DD_API_KEY?.trim() ?? '';
  if (fromEnv === '') {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `sink "${sink.name}" has no API key: set api_key_file in ${file}, --dd-api-key-file, or the DD_API_KEY variable`);
  }
  return fromEnv;
}
