// A Kubernetes object as the Kustomize subset handles it, with what the build
// must remember about it between steps.

export type Json = Record<string, any>;

export interface Resource {
  object: Json;
  /** Set for generated ConfigMaps: the name before the content hash is appended. */
  generatedName?: string;
  /** False when the generator disabled the name suffix hash. */
  hashSuffix?: boolean;
}

/** Returns "kind/name" of an object, for messages and lookups. */
export function resourceId(object: Json): string {
  return `${object.kind}/${object.metadata?.name}`;
}

/** Returns the object's name, or throws when it has none. */
export function nameOf(object: Json): string {
  const name = object.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw new Error(`a ${object.kind ?? 'resource'} has no metadata.name string (found ${JSON.stringify(name)}); every resource needs one`);
  }
  return name;
}
