// The ext_proc filter settings that the shipped rules need, computed the way
// `ctxproc envoy-config --rules rules/` computes them. The shipped Envoy,
// Istio and Envoy Gateway configurations are compared with these values, so
// a rule change that needs another phase or attribute fails those tests
// until the configurations follow.
import path from 'node:path';
import { parse } from 'yaml';
import { envoyConfigYaml, filterNeeds } from '../../src/rules/envoy-config.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { REPO_ROOT } from '../helpers/service-harness.js';

/** ExternalProcessor fields that depend on what the rules and events read. */
export interface FilterSettings {
  processing_mode: Record<string, string>;
  request_attributes: string[];
  response_attributes: string[];
}

function shippedRuleSettings(): FilterSettings {
  const ruleSet = loadRuleSet(path.join(REPO_ROOT, 'rules'));
  const config = parse(envoyConfigYaml(filterNeeds(ruleSet.rules), ruleSet.version)) as FilterSettings;
  return {
    processing_mode: config.processing_mode,
    request_attributes: config.request_attributes,
    response_attributes: config.response_attributes,
  };
}

export const EXPECTED_FILTER_SETTINGS: FilterSettings = shippedRuleSettings();

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
