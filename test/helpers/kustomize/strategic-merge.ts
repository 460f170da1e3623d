// The part of Kubernetes strategic merge patch that overlays use. Maps merge
// key by key, and a null value removes the key. Lists of named things
// (containers, env, volumes, ...) merge item by item on the merge key that
// the Kubernetes API declares for them. Every other list is replaced whole.
import type { Json } from './resource.js';

// Field name to merge key, from the patchMergeKey tags of the core/v1 types.
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  tolerations: 'key',
};

/** Returns target with patch applied by strategic merge; neither input is changed. */
export function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (isMap(patch) && isMap(target)) {
    return mergeMaps(target, patch);
  }
  if (Array.isArray(patch) && Array.isArray(target) && MERGE_KEYS[field]) {
    return mergeLists(target, patch, MERGE_KEYS[field]!, field);
  }
  return structuredClone(patch);
}

function mergeMaps(target: Json, patch: Json): Json {
  const merged: Json = structuredClone(target);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      throw new Error(`strategic merge directive ${key} is not supported by this Kustomize subset; use a plain patch`);
    }
    if (value === null) {
      delete merged[key];
      continue;
    }
    merged[key] = key in merged ? strategicMerge(merged[key], value, key) : structuredClone(value);
  }
  return merged;
}

function mergeLists(target: unknown[], patch: unknown[], mergeKey: string, field: string): unknown[] {
  const merged = structuredClone(target) as Json[];
  for (const item of patch) {
    if (!isMap(item) || !(mergeKey in item)) {
      throw new Error(`item of ${field} in a patch has no ${mergeKey}; strategic merge needs it to find the item`);
    }
    const index = merged.findIndex((existing) => existing[mergeKey] === item[mergeKey]);
    if (index === -1) {
      merged.push(structuredClone(item));
    } else {
      merged[index] = mergeMaps(merged[index]!, item);
    }
  }
  return merged;
}

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
