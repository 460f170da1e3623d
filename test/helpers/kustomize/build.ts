// Builds a kustomization directory the way `kustomize build` does, for the
// subset of Kustomize that ctxproc's deploy/ uses: resources (files and
// directories), namespace, labels, configMapGenerator (create and merge,
// with the content-hash name suffix), images and strategic-merge patches.
// No npm package runs Kustomize itself offline, so the tests and docs use
// this; any field outside the subset is an error, never ignored.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { configMapHash } from './config-map-hash.js';
import { nameOf, resourceId, type Json, type Resource } from './resource.js';
import { strategicMerge } from './strategic-merge.js';
import { addLabels, renameConfigMapReferences, setImages, setNamespace, type ImageEntry, type LabelEntry } from './transformers.js';

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'configMapGenerator', 'images', 'patches']);

// kustomize's default ("legacy") output order: these kinds first, in this
// order, then every other kind. Objects of one rank are sorted by kind and name.
const KIND_ORDER = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy', 'Role', 'ClusterRole',
  'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange', 'PriorityClass', 'PersistentVolume',
  'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget',
];

interface GeneratorEntry {
  name: string;
  behavior?: 'create' | 'merge' | 'replace';
  files?: string[];
  literals?: string[];
  options?: { disableNameSuffixHash?: boolean };
}

interface PatchEntry {
  path?: string;
  patch?: string;
}

/** Builds the kustomization in directory and returns the objects, in kustomize's output order. */
export function kustomizeBuild(directory: string): Json[] {
  const resources = buildDirectory(directory);
  applyHashSuffixes(resources);
  return sortResources(resources).map((resource) => resource.object);
}

/** Builds the kustomization in directory and returns it as multi-document YAML. */
export function kustomizeBuildYaml(directory: string): string {
  return kustomizeBuild(directory).map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
}

function buildDirectory(directory: string): Resource[] {
  const kustomization = readKustomization(directory);
  const resources = ((kustomization.resources ?? []) as string[]).flatMap((entry) => loadResource(directory, entry));

  for (const generator of (kustomization.configMapGenerator ?? []) as GeneratorEntry[]) {
    generateConfigMap(directory, generator, resources);
  }
  for (const patch of (kustomization.patches ?? []) as PatchEntry[]) {
    applyPatch(directory, patch, resources);
  }
  if (kustomization.namespace) {
    setNamespace(resources, kustomization.namespace);
  }
  for (const entry of (kustomization.labels ?? []) as LabelEntry[]) {
    addLabels(resources, entry);
  }
  if (kustomization.images) {
    setImages(resources, kustomization.images as ImageEntry[]);
  }
  return resources;
}

function readKustomization(directory: string): Json {
  const file = path.join(directory, 'kustomization.yaml');
  const kustomization = readYamlFile(file)[0];
  if (!kustomization || kustomization.kind !== 'Kustomization') {
    throw new Error(`${file} is not a Kustomization: expected kind: Kustomization`);
  }
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED_FIELDS.has(key));
  if (unsupported.length > 0) {
    throw new Error(`${file}: ${unsupported.join(', ')} not supported by this Kustomize subset (supported: ${[...SUPPORTED_FIELDS].join(', ')}). Render it with kubectl kustomize instead.`);
  }
  checkFieldTypes(file, kustomization);
  return kustomization;
}

function checkFieldTypes(file: string, kustomization: Json): void {
  if (kustomization.namespace !== undefined && typeof kustomization.namespace !== 'string') {
    throw new Error(`${file}: invalid namespace ${JSON.stringify(kustomization.namespace)}: it must be a string`);
  }
  for (const list of ['labels', 'resources', 'configMapGenerator', 'images', 'patches']) {
    if (kustomization[list] !== undefined && !Array.isArray(kustomization[list])) {
      throw new Error(`${file}: invalid ${list} ${JSON.stringify(kustomization[list])}: it must be a list`);
    }
  }
}

function loadResource(directory: string, entry: string): Resource[] {
  const target = path.resolve(directory, entry);
  if (statSync(target).isDirectory()) {
    return buildDirectory(target);
  }
  return readYamlFile(target).map((object) => ({ object }));
}

function readYamlFile(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) {
        throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
      }
      return document.toJS() as Json | null;
    })
    .filter((object): object is Json => object !== null);
}

function generateConfigMap(directory: string, generator: GeneratorEntry, resources: Resource[]): void {
  const data = generatorData(directory, generator);
  const behavior = generator.behavior ?? 'create';
  if (!['create', 'merge', 'replace'].includes(behavior)) {
    throw new Error(`invalid behavior ${behavior} in configMapGenerator ${generator.name}: use create, merge or replace`);
  }
  const existing = resources.find((resource) => resource.generatedName === generator.name);

  if (behavior === 'create') {
    if (existing) {
      throw new Error(`configMapGenerator ${generator.name} already exists in a base: set behavior: merge or replace`);
    }
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data };
    resources.push({ object, generatedName: generator.name, hashSuffix: generator.options?.disableNameSuffixHash !== true });
    return;
  }

  if (!existing) {
    throw new Error(`configMapGenerator ${generator.name} has behavior ${behavior}, but no base generates it: remove behavior to create it`);
  }
  existing.object.data = behavior === 'merge' ? { ...existing.object.data, ...data } : data;
}

function generatorData(directory: string, generator: GeneratorEntry): Record<string, string> {
  const data: Record<string, string> = {};
  for (const entry of generator.files ?? []) {
    const [key, file] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [path.basename(entry), entry];
    const resolved = path.resolve(directory, file);
    if (!resolved.startsWith(directory + path.sep)) {
      throw new Error(`${file} is outside ${directory}, and Kustomize loads no file outside the kustomization directory: copy it in`);
    }
    data[key] = readFileSync(resolved, 'utf8');
  }
  for (const literal of generator.literals ?? []) {
    const separator = literal.indexOf('=');
    data[literal.slice(0, separator)] = literal.slice(separator + 1);
  }
  return data;
}

function applyPatch(directory: string, entry: PatchEntry, resources: Resource[]): void {
  const text = entry.path ? readFileSync(path.resolve(directory, entry.path), 'utf8') : entry.patch;
  if (text === undefined) {
    throw new Error('a patches entry has neither path nor patch: set one of them');
  }

  for (const patch of parseAllDocuments(text).map((document) => document.toJS() as Json)) {
    const target = resources.find(
      ({ object }) => object.kind === patch.kind && object.apiVersion === patch.apiVersion && nameOf(object) === nameOf(patch),
    );
    if (!target) {
      throw new Error(`patch target ${resourceId(patch)} (${patch.apiVersion}) not found among the resources: check its apiVersion, kind and metadata.name`);
    }
    target.object = strategicMerge(target.object, patch) as Json;
  }
}

function applyHashSuffixes(resources: Resource[]): void {
  const renames = new Map<string, string>();
  for (const resource of resources) {
    if (resource.generatedName && resource.hashSuffix) {
      const hashed = `${resource.generatedName}-${configMapHash(resource.generatedName, resource.object.data)}`;
      resource.object.metadata.name = hashed;
      renames.set(resource.generatedName, hashed);
    }
  }
  renameConfigMapReferences(resources, renames);
}

function sortResources(resources: Resource[]): Resource[] {
  const rank = (kind: string): number => {
    const index = KIND_ORDER.indexOf(kind);
    return index === -1 ? KIND_ORDER.length : index;
  };
  return [...resources].sort((a, b) => {
    const byRank = rank(a.object.kind) - rank(b.object.kind);
    if (byRank !== 0) {
      return byRank;
    }
    return resourceId(a.object).localeCompare(resourceId(b.object));
  });
}
