// Turns ClientOptions into the settings a transaction reads, with Envoy's
// defaults filled in and the constant parts of each message built once.
import { jsonToStruct } from '../protocol/struct.js';
import type { Metadata, Struct } from '../protocol/messages.js';
import { MutationChecker } from './mutation-rules.js';
import { toProcessingMode, validateProcessingMode, type FullProcessingMode } from './processing-mode.js';
import type { ClientOptions, CloseMode } from './types.js';

export interface ClientConfig {
  target: string;
  processingMode: FullProcessingMode;
  messageTimeoutMs: number;
  maxMessageTimeoutMs: number;
  failureModeAllow: boolean;
  allowModeOverride: boolean;
  allowedOverrideModes: FullProcessingMode[];
  observabilityMode: boolean;
  deferredCloseTimeoutMs: number;
  closeMode: CloseMode;
  remoteCloseTimeoutMs: number;
  checker: MutationChecker;
  statusOnError: number;
  requestAttributes: Struct | null;
  responseAttributes: Struct | null;
  metadataContext: Metadata;
  receivingNamespaces: ReadonlySet<string>;
  bufferLimitBytes: number;
  bodyChunkSize: number;
  sendProtocolConfig: boolean;
  connections: number;
  maxHeadersCount: number;
  maxHeadersKb: number;
  streamIdleTimeoutMs: number;
}

function checkInteger(name: string, value: number | undefined, fallback: number, minimum: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < minimum) {
    throw new Error(`invalid ${name}: ${String(value)}; expected an integer of at least ${minimum}`);
  }
  return resolved;
}

function attributesStruct(attributes: ClientOptions['requestAttributes']): Struct | null {
  if (attributes === undefined || Object.keys(attributes).length === 0) {
    return null;
  }
  return jsonToStruct(attributes);
}

function metadataContext(namespaces: ClientOptions['metadataContext']): Metadata {
  const filterMetadata: Record<string, Struct> = {};
  for (const [name, fields] of Object.entries(namespaces ?? {})) {
    filterMetadata[name] = jsonToStruct(fields);
  }
  return { filter_metadata: filterMetadata };
}

function resolveModes(options: ClientOptions): Pick<ClientConfig, 'processingMode' | 'allowedOverrideModes'> {
  const processingMode = toProcessingMode(options.processingMode);
  validateProcessingMode(processingMode);
  const allowedOverrideModes = (options.allowedOverrideModes ?? []).map((mode) => toProcessingMode(mode));
  return { processingMode, allowedOverrideModes };
}

/** Validates the options and applies Envoy's defaults; throws on a value Envoy would reject. */
export function resolveClientConfig(options: ClientOptions): ClientConfig {
  if (typeof options.target !== 'string' || options.target === '') {
    throw new Error('invalid target: expected "host:port" of the ext_proc server');
  }
  if (options.closeMode !== undefined && options.closeMode !== 'reset' && options.closeMode !== 'graceful') {
    throw new Error(`invalid closeMode: ${String(options.closeMode)}; expected 'reset' or 'graceful'`);
  }

  return {
    target: options.target,
    ...resolveModes(options),
    messageTimeoutMs: checkInteger('messageTimeoutMs', options.messageTimeoutMs, 200, 0),
    maxMessageTimeoutMs: checkInteger('maxMessageTimeoutMs', options.maxMessageTimeoutMs, 0, 0),
    failureModeAllow: options.failureModeAllow ?? false,
    allowModeOverride: options.allowModeOverride ?? false,
    observabilityMode: options.observabilityMode ?? false,
    deferredCloseTimeoutMs: checkInteger('deferredCloseTimeoutMs', options.deferredCloseTimeoutMs, 5000, 0),
    closeMode: options.closeMode ?? 'reset',
    remoteCloseTimeoutMs: checkInteger('remoteCloseTimeoutMs', options.remoteCloseTimeoutMs, 1000, 0),
    checker: new MutationChecker(options.mutationRules),
    statusOnError: checkInteger('statusOnError', options.statusOnError, 500, 200),
    requestAttributes: attributesStruct(options.requestAttributes),
    responseAttributes: attributesStruct(options.responseAttributes),
    metadataContext: metadataContext(options.metadataContext),
    receivingNamespaces: new Set(options.receivingNamespaces ?? ['ctxproc']),
    bufferLimitBytes: checkInteger('bufferLimitBytes', options.bufferLimitBytes, 1024 * 1024, 1),
    bodyChunkSize: checkInteger('bodyChunkSize', options.bodyChunkSize, 16 * 1024, 1),
    sendProtocolConfig: options.sendProtocolConfig ?? true,
    connections: checkInteger('connections', options.connections, 1, 1),
    maxHeadersCount: checkInteger('maxHeadersCount', options.maxHeadersCount, 100, 1),
    maxHeadersKb: checkInteger('maxHeadersKb', options.maxHeadersKb, 60, 1),
    streamIdleTimeoutMs: checkInteger('streamIdleTimeoutMs', options.streamIdleTimeoutMs, 300_000, 1),
  };
}
