// The part of Envoy Gateway's API (gateway.envoyproxy.io/v1alpha1) that
// envoy/gateway/ uses, as JSON Schema, and the ext_proc filter settings
// Envoy Gateway derives from an EnvoyExtensionPolicy. No npm package ships
// Envoy Gateway's CRD schemas, so the fields and enums here are taken from
// its Go API types: envoyproxy/gateway api/v1alpha1/ext_proc_types.go
// (ExtProc, ExtProcProcessingMode, ProcessingModeOptions, ExtProcMetadata),
// envoyextensionypolicy_types.go (spec.targetRefs, spec.extProc),
// circuitbreaker_types.go (CircuitBreaker) and envoyproxy_types.go
// (ProxyBootstrap). Unknown fields are rejected, as the API server's
// structural schema pruning would silently drop them.
import { Ajv, type ErrorObject } from 'ajv';

const string = { type: 'string' };
const stringList = { type: 'array', items: string };
const uint32 = { type: 'integer', minimum: 0, maximum: 4294967295 };
// Gateway API Duration: one or more number-unit pairs (h, m, s, ms).
const duration = { type: 'string', pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$' };

function object(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return { type: 'object', properties, required, additionalProperties: false };
}

const metadata = object({ name: string, namespace: string, labels: { type: 'object' }, annotations: { type: 'object' } }, ['name']);

const processingModeOptions = object({
  body: { enum: ['Streamed', 'Buffered', 'BufferedPartial', 'FullDuplexStreamed'] },
  attributes: { type: 'array', items: { type: 'string', pattern: '^(connection\\.|source\\.|destination\\.|request\\.|response\\.|upstream\\.|xds\\.route_)[a-z_1-9]*$' } },
});

const extProc = object({
  backendRefs: {
    type: 'array',
    minItems: 1,
    items: object({ group: string, kind: { enum: ['Service', 'Backend'] }, name: string, namespace: string, port: { type: 'integer', minimum: 1, maximum: 65535 } }, ['name']),
  },
  backendSettings: object({
    circuitBreaker: object({ maxConnections: uint32, maxPendingRequests: uint32, maxParallelRequests: uint32, maxParallelRetries: uint32, maxRequestsPerConnection: uint32 }),
  }),
  messageTimeout: duration,
  failOpen: { type: 'boolean' },
  processingMode: object({ request: processingModeOptions, response: processingModeOptions, allowModeOverride: { type: 'boolean' } }),
  metadata: object({ accessibleNamespaces: stringList, writableNamespaces: { ...stringList, maxItems: 8 } }),
}, ['backendRefs']);

const SCHEMAS: Record<string, Record<string, unknown>> = {
  EnvoyExtensionPolicy: object({
    apiVersion: { const: 'gateway.envoyproxy.io/v1alpha1' },
    kind: { const: 'EnvoyExtensionPolicy' },
    metadata,
    spec: object({
      targetRefs: {
        type: 'array',
        minItems: 1,
        items: object({ group: { const: 'gateway.networking.k8s.io' }, kind: { enum: ['Gateway', 'HTTPRoute', 'GRPCRoute'] }, name: string, sectionName: string }, ['group', 'kind', 'name']),
      },
      extProc: { type: 'array', maxItems: 16, items: extProc },
    }, ['targetRefs']),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
  EnvoyProxy: object({
    apiVersion: { const: 'gateway.envoyproxy.io/v1alpha1' },
    kind: { const: 'EnvoyProxy' },
    metadata,
    spec: object({ bootstrap: object({ type: { enum: ['Merge', 'Replace', 'JSONPatch'] }, value: string }, ['value']) }),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
};

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = Object.fromEntries(Object.entries(SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]));

/** Returns the schema problems of an Envoy Gateway object, one line each; empty when it is valid. */
export function envoyGatewayProblems(object: Record<string, any>): string[] {
  const validate = validators[object.kind];
  if (!validate) {
    return [`${object.kind} is not an Envoy Gateway kind these tests know`];
  }
  if (validate(object)) {
    return [];
  }
  return (validate.errors ?? []).map(describeError);
}

function describeError(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    return `${error.instancePath || '/'}: unknown field ${(error.params as { additionalProperty: string }).additionalProperty}`;
  }
  return `${error.instancePath || '/'}: ${error.message}`;
}

const BODY_MODES: Record<string, string> = {
  Streamed: 'STREAMED',
  Buffered: 'BUFFERED',
  BufferedPartial: 'BUFFERED_PARTIAL',
  FullDuplexStreamed: 'FULL_DUPLEX_STREAMED',
};

/**
 * Returns the ExternalProcessor filter config that Envoy Gateway builds
 * from one extProc entry of a policy (its translator's mapping of each
 * field). clusterName replaces the name that Envoy Gateway generates.
 */
export function extProcFilterConfig(entry: Record<string, any>, clusterName: string): Record<string, any> {
  const mode = entry.processingMode ?? {};
  const config: Record<string, any> = {
    grpc_service: { envoy_grpc: { cluster_name: clusterName } },
    failure_mode_allow: entry.failOpen ?? false,
    processing_mode: {
      request_header_mode: mode.request ? 'SEND' : 'SKIP',
      response_header_mode: mode.response ? 'SEND' : 'SKIP',
      request_body_mode: BODY_MODES[mode.request?.body] ?? 'NONE',
      response_body_mode: BODY_MODES[mode.response?.body] ?? 'NONE',
      request_trailer_mode: mode.request?.body === 'FullDuplexStreamed' ? 'SEND' : 'SKIP',
      response_trailer_mode: mode.response?.body === 'FullDuplexStreamed' ? 'SEND' : 'SKIP',
    },
    allow_mode_override: mode.allowModeOverride ?? false,
  };

  if (entry.messageTimeout) {
    config.message_timeout = protoDuration(entry.messageTimeout);
  }
  if (mode.request?.attributes) {
    config.request_attributes = mode.request.attributes;
  }
  if (mode.response?.attributes) {
    config.response_attributes = mode.response.attributes;
  }
  if (entry.metadata) {
    config.metadata_options = {
      forwarding_namespaces: { untyped: entry.metadata.accessibleNamespaces ?? [] },
      receiving_namespaces: { untyped: entry.metadata.writableNamespaces ?? [] },
    };
  }
  return config;
}

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** Converts a Gateway API duration ("1m30s", "500ms") to protobuf JSON ("90s", "0.5s"). */
export function protoDuration(text: string): string {
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return `${Number(seconds.toFixed(3))}s`;
}
