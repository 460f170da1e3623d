// Every runtime setting, with its flag, environment variable and default, in
// one table, so that `serve --help`, the README and the code cannot drift.
import { CtxprocError } from '../errors/codes.js';
import { TRANSPORTS, type TransportName } from '../transport/transport-names.js';

export interface Settings {
  listen: string;
  admin: string;
  rules: string;
  logLevel: string;
  service: string;
  env: string | null;
  version: string | null;
  bodyLimitBytes: number;
  detectionBudgetMs: number;
  eventLoopResolutionMs: number;
  maxHeaders: number;
  maxMessageBytes: number;
  shutdownGraceMs: number;
  shutdownDelayMs: number;
  resetBurst: number;
  resetRate: number;
  dryRun: boolean;
  sinks: string | null;
  ddSite: string;
  ddApiKeyFile: string | null;
  workers: number;
  transport: TransportName;
  adminTokenFile: string | null;
  adminAllowOpen: boolean;
  maxStreamsPerConnection: number;
  streamIdleTimeoutMs: number;
  maxOpenStreams: number;
  maxUnsentReplyBytes: number;
  maxRules: number;
  maxRuleFileBytes: number;
}

export interface SettingDefinition {
  key: keyof Settings;
  flag: string;
  env: string;
  description: string;
  defaultValue: string | number | boolean | null;
  kind: 'string' | 'integer' | 'address' | 'level' | 'boolean' | 'transport';
  /** Largest value accepted, for integers. */
  max?: number;
  /** True when 0 is a valid value, for integers; otherwise they must be positive. */
  allowZero?: boolean;
}

/** Node's timers take at most 2^31 - 1 milliseconds; a larger delay fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Upper bound on --workers, which catches a mistyped count before it forks that many processes. */
const MAX_WORKERS = 64;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export const SETTINGS: SettingDefinition[] = [
  { key: 'listen', flag: '--listen <host:port>', env: 'CTXPROC_LISTEN', kind: 'address', defaultValue: '0.0.0.0:50051',
    description: 'address of the ext_proc gRPC server that Envoy connects to' },
  { key: 'admin', flag: '--admin <host:port>', env: 'CTXPROC_ADMIN', kind: 'address', defaultValue: '127.0.0.1:9191',
    description: 'address of the admin HTTP server (/healthz, /readyz, /metrics, /rules); loopback by default' },
  { key: 'rules', flag: '--rules <path>', env: 'CTXPROC_RULES', kind: 'string', defaultValue: 'rules',
    description: 'rules file, or directory whose *.yaml files are loaded (a mounted ConfigMap); watched while serving, and a changed set is activated once it loads and its rule tests pass' },
  { key: 'logLevel', flag: '--log-level <level>', env: 'CTXPROC_LOG_LEVEL', kind: 'level', defaultValue: 'info',
    description: `level of operational logs: ${LOG_LEVELS.join(', ')}; security events are always written` },
  { key: 'service', flag: '--service <name>', env: 'DD_SERVICE', kind: 'string', defaultValue: 'ctxproc',
    description: 'the `service` attribute of every log line (Datadog unified service tagging)' },
  { key: 'env', flag: '--env <name>', env: 'DD_ENV', kind: 'string', defaultValue: null,
    description: 'dd.env of every security event, when set (Datadog unified service tagging)' },
  { key: 'version', flag: '--service-version <version>', env: 'DD_VERSION', kind: 'string', defaultValue: null,
    description: 'dd.version of every security event, when set (Datadog unified service tagging)' },
  { key: 'bodyLimitBytes', flag: '--body-limit <bytes>', env: 'CTXPROC_BODY_LIMIT', kind: 'integer', defaultValue: 65536,
    description: 'bytes of each request or response body kept for rules and events; beyond it the body is truncated and the event notes it' },
  { key: 'detectionBudgetMs', flag: '--detection-budget <ms>', env: 'CTXPROC_DETECTION_BUDGET_MS', kind: 'integer', defaultValue: 5, max: 1000,
    description: 'milliseconds attack detection may take per request once it has read 64 values or 16 KiB; values left are not inspected, and the request gets the detection protocol.inspection_incomplete' },
  { key: 'eventLoopResolutionMs', flag: '--event-loop-resolution <ms>', env: 'CTXPROC_EVENT_LOOP_RESOLUTION_MS', kind: 'integer', defaultValue: 10, max: 1000,
    description: 'period of the timer behind the ctxproc_nodejs_eventloop_lag_* metrics; a block of the event loop can read up to one period short, and 1 ms costs an idle ctxproc about 16 ms of CPU a second' },
  { key: 'maxHeaders', flag: '--max-headers <count>', env: 'CTXPROC_MAX_HEADERS', kind: 'integer', defaultValue: 1000,
    description: 'headers (or trailers) of one message kept for rules and events; the rest are skipped, counted and noted on the event (Envoy sends at most 100 by default)' },
  { key: 'maxMessageBytes', flag: '--max-message-bytes <bytes>', env: 'CTXPROC_MAX_MESSAGE_BYTES', kind: 'integer', defaultValue: 4194304,
    description: 'largest gRPC message accepted from Envoy (a buffered body arrives as one message); grpc-js copies a message whole before ctxproc sees it, so a larger one stalls the event loop longer' },
  { key: 'shutdownGraceMs', flag: '--shutdown-grace <ms>', env: 'CTXPROC_SHUTDOWN_GRACE_MS', kind: 'integer', defaultValue: 20000, max: MAX_TIMER_MS,
    description: 'on SIGTERM or SIGINT, how long open streams may take to finish before they are cancelled' },
  { key: 'shutdownDelayMs', flag: '--shutdown-delay <ms>', env: 'CTXPROC_SHUTDOWN_DELAY_MS', kind: 'integer', defaultValue: 5000, max: MAX_TIMER_MS, allowZero: true,
    description: 'on SIGTERM or SIGINT, how long ctxproc reports not ready while still accepting streams, so Envoy\'s health checks and Kubernetes move new streams elsewhere first; 0 stops accepting at once' },
  { key: 'resetBurst', flag: '--reset-burst <count>', env: 'CTXPROC_RESET_BURST', kind: 'integer', defaultValue: 100000,
    description: 'HTTP/2 stream resets a connection may send in a burst; Envoy resets every ext_proc stream, so Node\'s default of 1000 is far too low' },
  { key: 'resetRate', flag: '--reset-rate <per-second>', env: 'CTXPROC_RESET_RATE', kind: 'integer', defaultValue: 100000,
    description: 'HTTP/2 stream resets per second a connection may sustain after the burst (Node\'s default is 33); each reset ends one Envoy request, so set it above the request rate of one Envoy worker' },
  { key: 'dryRun', flag: '--dry-run [bool]', env: 'CTXPROC_DRY_RUN', kind: 'boolean', defaultValue: false,
    description: 'every rule simulates: blocks, header changes and metadata are listed in the event as simulated instead of applied (true or false)' },
  { key: 'sinks', flag: '--sinks <path>', env: 'CTXPROC_SINKS', kind: 'string', defaultValue: null,
    description: 'YAML file that declares the event sinks (stdout, file, datadog), see docs/siem.md; without it, events go to stdout' },
  { key: 'ddSite', flag: '--dd-site <site>', env: 'DD_SITE', kind: 'string', defaultValue: 'datadoghq.com',
    description: 'Datadog site of datadog sinks that set neither site nor url, such as datadoghq.eu or us5.datadoghq.com' },
  { key: 'ddApiKeyFile', flag: '--dd-api-key-file <path>', env: 'DD_API_KEY_FILE', kind: 'string', defaultValue: null,
    description: 'file that contains the Datadog API key of datadog sinks that set no api_key_file; without it, the DD_API_KEY variable is read (there is no flag for the key itself, so it never shows in the process list)' },
  { key: 'workers', flag: '--workers <count>', env: 'CTXPROC_WORKERS', kind: 'integer', defaultValue: 1, max: MAX_WORKERS,
    description: 'processes serving the gRPC port (Node cluster); the admin server aggregates their health and metrics. One per core is the useful maximum' },
  { key: 'transport', flag: '--transport <name>', env: 'CTXPROC_TRANSPORT', kind: 'transport', defaultValue: 'http2',
    description: `gRPC server implementation: ${TRANSPORTS.join(' or ')}; http2 frames gRPC on node:http2 itself and costs less CPU and memory per transaction than grpc-js (docs/benchmarks.md)` },
  { key: 'maxStreamsPerConnection', flag: '--max-streams-per-connection <count>', env: 'CTXPROC_MAX_STREAMS_PER_CONNECTION', kind: 'integer', defaultValue: 2000, max: 4294967295,
    description: 'ext_proc streams one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); Envoy opens another connection when it reaches it' },
  { key: 'streamIdleTimeoutMs', flag: '--stream-idle-timeout <ms>', env: 'CTXPROC_STREAM_IDLE_TIMEOUT_MS', kind: 'integer', defaultValue: 300000, max: MAX_TIMER_MS,
    description: 'milliseconds a stream may carry no message before ctxproc ends it with OK and writes its event; keep it above the slowest upstream response' },
  { key: 'maxOpenStreams', flag: '--max-open-streams <count>', env: 'CTXPROC_MAX_OPEN_STREAMS', kind: 'integer', defaultValue: 10000, max: 4294967295,
    description: 'ext_proc streams open at once across all connections of one process; past it the connections holding the most streams have their new streams end at once with RESOURCE_EXHAUSTED (CTXPROC_STREAMS_EXHAUSTED), while connections holding fewer are served up to twice this count, the hard bound on the memory open transactions hold' },
  { key: 'maxUnsentReplyBytes', flag: '--max-unsent-reply-bytes <bytes>', env: 'CTXPROC_MAX_UNSENT_REPLY_BYTES', kind: 'integer', defaultValue: 67108864, max: Number.MAX_SAFE_INTEGER,
    description: 'reply bytes that may wait for clients to read them, summed over all streams of one process; past it a connection holding an equal share or more has its new streams end at once with RESOURCE_EXHAUSTED (CTXPROC_REPLY_BUDGET_EXHAUSTED) and its streams with unsent replies not read until those leave, while other connections are served (past twice the limit, those holding at most 64 KiB)' },
  { key: 'maxRules', flag: '--max-rules <count>', env: 'CTXPROC_MAX_RULES', kind: 'integer', defaultValue: 5000,
    description: 'rules one rule set may hold across its files; a larger set stops startup or is rejected on reload, because every rule runs on every request' },
  { key: 'maxRuleFileBytes', flag: '--max-rule-file-bytes <bytes>', env: 'CTXPROC_MAX_RULE_FILE_BYTES', kind: 'integer', defaultValue: 131072,
    description: 'bytes one rule file may hold; a larger file stops startup or is rejected on reload, because a live reload builds each file\'s YAML document in one step that stalls serving (split rules across files instead)' },
  { key: 'adminTokenFile', flag: '--admin-token-file <path>', env: 'CTXPROC_ADMIN_TOKEN_FILE', kind: 'string', defaultValue: null,
    description: 'file whose content (at least 16 characters) is the bearer token that /metrics and /rules require; needed when --admin is not a loopback address' },
  { key: 'adminAllowOpen', flag: '--admin-allow-open [true|false]', env: 'CTXPROC_ADMIN_ALLOW_OPEN', kind: 'boolean', defaultValue: false,
    description: 'serve /metrics and /rules without a token on a non-loopback --admin address (anyone who reaches it can read them)' },
];

const BOOLEAN_VALUES: Record<string, boolean> = { true: true, yes: true, 1: true, false: false, no: false, 0: false };

/** Returns the settings with defaults only, for tests and in-process servers. */
export function defaultSettings(): Settings {
  return resolveSettings({}, {});
}

/**
 * Resolves settings from command-line values (highest priority), then the
 * environment, then defaults, and validates each. Throws CTXPROC_CONFIG_INVALID.
 */
export function resolveSettings(
  flags: Partial<Record<keyof Settings, unknown>>,
  env: NodeJS.ProcessEnv,
  flagOrigins: Partial<Record<keyof Settings, string>> = {},
): Settings {
  const resolved: Record<string, unknown> = {};

  for (const definition of SETTINGS) {
    const fromFlag = flags[definition.key];
    const fromEnv = env[definition.env];
    const raw = fromFlag ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv) ?? definition.defaultValue;
    let origin = `default of ${definition.flag.split(' ')[0]}`;
    if (fromFlag !== undefined) {
      origin = flagOrigins[definition.key] ?? definition.flag.split(' ')[0] ?? definition.key;
    } else if (fromEnv) {
      origin = definition.env;
    }
    resolved[definition.key] = parseSetting(definition, raw, origin);
  }
  return resolved as unknown as Settings;
}

function parseSetting(definition: SettingDefinition, raw: unknown, origin: string): unknown {
  if (raw === null) {
    return null;
  }
  const text = String(raw).trim();

  switch (definition.kind) {
    case 'integer':
      return parseWholeNumber(text, origin, definition.allowZero === true, definition.max ?? Number.MAX_SAFE_INTEGER);
    case 'address':
      parseAddress(text, origin);
      return text;
    case 'boolean': {
      const value = BOOLEAN_VALUES[text.toLowerCase()];
      if (value === undefined) {
        throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${origin} is "${text}"; expected true or false`);
      }
      return value;
    }
    case 'transport':
      if (!(TRANSPORTS as readonly string[]).includes(text)) {
        throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${origin} is "${text}"; expected one of ${TRANSPORTS.join(', ')}`);
      }
      return text;
    case 'level':
      if (!LOG_LEVELS.includes(text)) {
        throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${origin} is "${text}"; expected one of ${LOG_LEVELS.join(', ')}`);
      }
      return text;
    default:
      return text;
  }
}

function parseWholeNumber(text: string, origin: string, allowZero: boolean, max: number): number {
  const value = Number(text);
  if (/^\d+$/.test(text) && !Number.isSafeInteger(value)) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${origin} is ${text}; the maximum is ${max}`);
  }
  if (!/^\d+$/.test(text) || (value === 0 && !allowZero)) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${origin} is "${text}"; expected a ${allowZero ? 'non-negative' : 'positive'} whole number`);
  }
  if (value > max) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${origin} is ${value}; the maximum is ${max}`);
  }
  return value;
}

/** Splits "host:port" or "[v6]:port"; throws CTXPROC_CONFIG_INVALID when malformed. */
export function parseAddress(text: string, origin = 'address'): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new CtxprocError('CTXPROC_CONFIG_INVALID', `${origin} is "${text}"; expected host:port, for example 127.0.0.1:50051 or [::1]:50051`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}
