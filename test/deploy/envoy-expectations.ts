// The ext_proc filter settings that the shipped rules need, in one place.
// The shipped Envoy, Istio and Envoy Gateway configurations are compared
// with these values.
//
// TODO: once `ctxproc envoy-config` exists, compute EXPECTED_FILTER_SETTINGS
// from its output for rules/ instead of writing the values here.

/** ExternalProcessor fields that depend on what the rules and events read. */
export interface FilterSettings {
  processing_mode: Record<string, string>;
  request_attributes: string[];
  response_attributes: string[];
}

/**
 * The default rules read request and response headers only. Events read the
 * client and server addresses, the protocol and the TLS facts, which Envoy
 * sends as request attributes.
 */
export const EXPECTED_FILTER_SETTINGS: FilterSettings = {
  processing_mode: {
    request_header_mode: 'SEND',
    response_header_mode: 'SEND',
    request_body_mode: 'NONE',
    response_body_mode: 'NONE',
    request_trailer_mode: 'SKIP',
    response_trailer_mode: 'SKIP',
  },
  request_attributes: [
    'source.address',
    'source.port',
    'destination.address',
    'destination.port',
    'request.protocol',
    'connection.mtls',
    'connection.requested_server_name',
    'connection.tls_version',
  ],
  response_attributes: [],
};

/** Envoy's defaults for processing_mode fields left unset (processing_mode.proto). */
export const PROCESSING_MODE_DEFAULTS: Record<string, string> = {
  request_header_mode: 'SEND',
  response_header_mode: 'SEND',
  request_body_mode: 'NONE',
  response_body_mode: 'NONE',
  request_trailer_mode: 'SKIP',
  response_trailer_mode: 'SKIP',
};

/** Returns the effective processing mode: the configured fields over Envoy's defaults (DEFAULT counts as unset). */
export function effectiveProcessingMode(configured: Record<string, unknown> | undefined): Record<string, string> {
  const effective = { ...PROCESSING_MODE_DEFAULTS };
  for (const [name, value] of Object.entries(configured ?? {})) {
    if (typeof value === 'string' && value !== 'DEFAULT') {
      effective[name] = value;
    }
  }
  return effective;
}

/** Returns the filter settings that an ExternalProcessor config object implies. */
export function filterSettingsOf(extProc: Record<string, unknown>): FilterSettings {
  return {
    processing_mode: effectiveProcessingMode(extProc.processing_mode as Record<string, unknown> | undefined),
    request_attributes: (extProc.request_attributes as string[] | undefined) ?? [],
    response_attributes: (extProc.response_attributes as string[] | undefined) ?? [],
  };
}
