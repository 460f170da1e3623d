// Reads the shipped configuration files and finds the parts of an Envoy
// configuration that the deployment tests check: the HTTP filter chain, the
// ext_proc filter, access-log formats and clusters.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../helpers/service-harness.js';

export type Json = Record<string, any>;

export const EXT_PROC_FILTER = 'envoy.filters.http.ext_proc';
export const ROUTER_FILTER = 'envoy.filters.http.router';
export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** Returns the absolute path of a file in the repository. */
export function repoPath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}

/** Parses every YAML document of a file; throws on a YAML syntax error with the file name. */
export function readYamlDocuments(file: string): Json[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  const parsed: Json[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    }
    const value = document.toJS() as Json | null;
    if (value !== null) {
      parsed.push(value);
    }
  }
  return parsed;
}

/** Parses a file that contains exactly one YAML document. */
export function readYaml(file: string): Json {
  const documents = readYamlDocuments(file);
  if (documents.length !== 1) {
    throw new Error(`${file}: expected one YAML document, found ${documents.length}`);
  }
  return documents[0]!;
}

/** Returns the HTTP connection managers of every listener of a bootstrap's static resources. */
export function connectionManagers(bootstrap: Json): Json[] {
  const listeners: Json[] = bootstrap.static_resources?.listeners ?? [];
  return listeners
    .flatMap((listener) => (listener.filter_chains ?? []) as Json[])
    .flatMap((chain) => (chain.filters ?? []) as Json[])
    .map((filter) => filter.typed_config as Json)
    .filter((config) => config?.['@type'] === HCM_TYPE);
}

/** Returns the names of an HTTP connection manager's filters, in order. */
export function filterNames(hcm: Json): string[] {
  return ((hcm.http_filters ?? []) as Json[]).map((filter) => filter.name as string);
}

/** Returns the typed_config of the named HTTP filter; throws when it is missing. */
export function filterConfig(hcm: Json, name: string): Json {
  const filter = ((hcm.http_filters ?? []) as Json[]).find((candidate) => candidate.name === name);
  if (!filter) {
    throw new Error(`HTTP filter ${name} not found; filters are ${filterNames(hcm).join(', ')}`);
  }
  return filter.typed_config as Json;
}

/** Returns the named cluster of a bootstrap's static resources; throws when it is missing. */
export function cluster(bootstrap: Json, name: string): Json {
  const found = ((bootstrap.static_resources?.clusters ?? []) as Json[]).find((candidate) => candidate.name === name);
  if (!found) {
    throw new Error(`cluster ${name} not found in static_resources.clusters`);
  }
  return found;
}

const DYNAMIC_METADATA = /%DYNAMIC_METADATA\(([^:)]+):([^:)]+)\)%/g;

/** Returns the namespace:key pairs of every %DYNAMIC_METADATA(...)% operator in an access-log format. */
export function dynamicMetadataFields(format: unknown): string[] {
  const text = JSON.stringify(format);
  return [...text.matchAll(DYNAMIC_METADATA)].map((match) => `${match[1]}:${match[2]}`);
}
