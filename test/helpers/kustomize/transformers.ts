// The Kustomize transformers that ctxproc's kustomizations use: namespace,
// labels, images, and the rewrite of ConfigMap references to the hashed
// names of generated ConfigMaps.
import { nameOf, type Json, type Resource } from './resource.js';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PersistentVolume', 'PriorityClass']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const MATCH_LABEL_SELECTORS = new Set([...WORKLOADS, 'PodDisruptionBudget']);

/** One entry of a kustomization's labels list. */
export interface LabelEntry {
  pairs: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
}

/** An entry of a kustomization's images list. */
export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** Sets metadata.namespace on every namespaced object. */
export function setNamespace(resources: Resource[], namespace: string): void {
  for (const { object } of resources) {
    if (object.kind === 'Namespace') {
      if (nameOf(object) !== namespace) {
        throw new Error(`Namespace ${nameOf(object)} differs from the kustomization namespace ${namespace}; renaming it is not supported by this Kustomize subset`);
      }
      continue;
    }
    if (!CLUSTER_SCOPED.has(object.kind)) {
      object.metadata.namespace = namespace;
    }
  }
}

/**
 * Adds labels to metadata.labels of every object. includeSelectors also
 * adds them to selectors and pod templates, as Kustomize's commonLabels
 * field specs do for the kinds used here. includeTemplates adds them to
 * pod templates only.
 */
export function addLabels(resources: Resource[], entry: LabelEntry): void {
  for (const { object } of resources) {
    merge(object.metadata, 'labels', entry.pairs);
    if (entry.includeSelectors) {
      addToSelectors(object, entry.pairs);
    }
    if ((entry.includeSelectors || entry.includeTemplates) && WORKLOADS.has(object.kind)) {
      object.spec.template.metadata ??= {};
      merge(object.spec.template.metadata, 'labels', entry.pairs);
    }
  }
}

function addToSelectors(object: Json, pairs: Record<string, string>): void {
  if (object.kind === 'Service') {
    merge(object.spec, 'selector', pairs);
  }
  if (MATCH_LABEL_SELECTORS.has(object.kind)) {
    object.spec.selector ??= {};
    merge(object.spec.selector, 'matchLabels', pairs);
  }
  if (object.kind === 'NetworkPolicy') {
    object.spec.podSelector ??= {};
    merge(object.spec.podSelector, 'matchLabels', pairs);
  }
}

function merge(parent: Json, key: string, pairs: Record<string, string>): void {
  parent[key] = { ...(parent[key] ?? {}), ...pairs };
}

/** Replaces the name, tag or digest of matching container images in pod templates. */
export function setImages(resources: Resource[], images: ImageEntry[]): void {
  for (const container of podContainers(resources)) {
    const image = images.find((entry) => imageName(container.image) === entry.name);
    if (image) {
      container.image = rewriteImage(container.image, image);
    }
  }
}

function imageName(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

function rewriteImage(image: string, entry: ImageEntry): string {
  const name = entry.newName ?? imageName(image);
  if (entry.digest) {
    return `${name}@${entry.digest}`;
  }
  const oldTag = image.slice(imageName(image).length);
  return entry.newTag ? `${name}:${entry.newTag}` : `${name}${oldTag}`;
}

function podContainers(resources: Resource[]): Json[] {
  return resources
    .filter(({ object }) => WORKLOADS.has(object.kind))
    .flatMap(({ object }) => [...(object.spec.template.spec.containers ?? []), ...(object.spec.template.spec.initContainers ?? [])]);
}

/** Rewrites ConfigMap references in pod templates from old names to new names. */
export function renameConfigMapReferences(resources: Resource[], renames: Map<string, string>): void {
  for (const { object } of resources.filter((resource) => WORKLOADS.has(resource.object.kind))) {
    const pod = object.spec.template.spec;
    for (const volume of pod.volumes ?? []) {
      rename(volume.configMap, renames);
    }
    for (const container of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
      for (const variable of container.env ?? []) {
        rename(variable.valueFrom?.configMapKeyRef, renames);
      }
      for (const source of container.envFrom ?? []) {
        rename(source.configMapRef, renames);
      }
    }
  }
}

function rename(reference: Json | undefined, renames: Map<string, string>): void {
  const renamed = reference ? renames.get(reference.name) : undefined;
  if (reference && renamed) {
    reference.name = renamed;
  }
}
