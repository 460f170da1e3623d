// Shared helpers for redaction tests: a detector's matches as strings, and a
// RedactionSpec built the way a redact rule fills one.
import type { DetectorName, RedactionSpec } from '../../src/model/record.js';
import type { Detector } from '../../src/redaction/detector.js';
import { redactionSourceKey } from '../../src/redaction/redactor.js';

export function matchesOf(detector: Detector, text: string, maxMatches = 100): string[] {
  return detector.find(text, maxMatches).map((span) => text.slice(span.start, span.end));
}

export interface SpecTargets {
  headers?: string[];
  queryParams?: string[];
  cookies?: string[];
  detectors?: DetectorName[];
  patterns?: Record<string, string>;
}

/** Builds a spec whose every target comes from rule `rule`. */
export function makeSpec(targets: SpecTargets, rule = 'redact-secrets'): RedactionSpec {
  const spec: RedactionSpec = {
    headers: new Set(targets.headers ?? []),
    queryParams: new Set(targets.queryParams ?? []),
    cookies: new Set(targets.cookies ?? []),
    detectors: new Set(targets.detectors ?? []),
    patterns: new Map(Object.entries(targets.patterns ?? {}).map(([name, source]) => [name, new RegExp(source, 'g')])),
    sources: new Map(),
  };

  for (const name of spec.headers) spec.sources.set(redactionSourceKey('header', name), rule);
  for (const name of spec.queryParams) spec.sources.set(redactionSourceKey('query_param', name), rule);
  for (const name of spec.cookies) spec.sources.set(redactionSourceKey('cookie', name), rule);
  for (const name of spec.detectors) spec.sources.set(redactionSourceKey('detector', name), rule);
  for (const name of spec.patterns.keys()) spec.sources.set(`pattern:${name}`, rule);
  return spec;
}

export const ALL_DETECTORS: DetectorName[] = ['card_number', 'jwt', 'bearer_token', 'basic_credentials'];
