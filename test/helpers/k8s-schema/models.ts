// Finds the kubernetes-models class and TypeScript interface for an object's
// apiVersion and kind: the Kubernetes API for built-in kinds from
// `kubernetes-models`, Istio's CRDs from `@kubernetes-models/istio`, the
// Gateway API from `@kubernetes-models/gateway-api`.

/** Where the model of one apiVersion and kind lives. */
export interface ModelLocation {
  /** Module that exports the class and its I-prefixed interface. */
  module: string;
  kind: string;
}

/** Returns the model location of an apiVersion and kind, or null when no package models it. */
export function modelLocation(apiVersion: string, kind: string): ModelLocation | null {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) as [string, string] : ['', apiVersion];

  if (group.endsWith('.istio.io')) {
    return { module: `@kubernetes-models/istio/${group}/${version}`, kind };
  }
  if (group === 'gateway.networking.k8s.io') {
    return { module: `@kubernetes-models/gateway-api/${group}/${version}`, kind };
  }
  if (group === '' || group.endsWith('.k8s.io') || !group.includes('.')) {
    return { module: group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`, kind };
  }
  return null;
}

/** Validates an object with its kubernetes-models class; returns the validation error message, or null. */
export async function validateWithModel(object: Record<string, any>): Promise<string | null> {
  const location = modelLocation(object.apiVersion, object.kind);
  if (!location) {
    return `no kubernetes-models package covers ${object.apiVersion} ${object.kind}`;
  }

  const exports = (await import(location.module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = exports[location.kind];
  if (!Model) {
    return `${location.module} has no model ${location.kind}`;
  }
  try {
    new Model(object).validate();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
