// Redaction specs shared between transactions. The default rules' redact
// action names 40 targets, and copying them into new Sets and Maps for every
// transaction was about a fifth of the bytes a headers-only transaction
// allocated, all kept until the transaction ended. A transaction whose first
// redaction comes from an action now takes that action's spec, built once,
// and copies it only when a second action adds to it.
import { emptyRedactionSpec, type RedactionSpec } from '../model/record.js';

/** A Set that is never changed after construction; add, delete and clear throw. */
export class SharedSet<T> extends Set<T> {
  constructor(values: Iterable<T>) {
    super();
    for (const value of values) {
      super.add(value);
    }
  }

  override add(): this {
    throw new TypeError('this redaction set is shared between transactions; copy it with unsharedSpec before changing it');
  }

  override delete(): boolean {
    throw new TypeError('this redaction set is shared between transactions; copy it with unsharedSpec before changing it');
  }

  override clear(): void {
    throw new TypeError('this redaction set is shared between transactions; copy it with unsharedSpec before changing it');
  }
}

/** A Map that is never changed after construction; set, delete and clear throw. */
export class SharedMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [key, value] of entries) {
      super.set(key, value);
    }
  }

  override set(): this {
    throw new TypeError('this redaction map is shared between transactions; copy it with unsharedSpec before changing it');
  }

  override delete(): boolean {
    throw new TypeError('this redaction map is shared between transactions; copy it with unsharedSpec before changing it');
  }

  override clear(): void {
    throw new TypeError('this redaction map is shared between transactions; copy it with unsharedSpec before changing it');
  }
}

/** Returns a copy of `spec` whose collections can never change. */
export function sharedSpec(spec: RedactionSpec): RedactionSpec {
  return {
    headers: new SharedSet(spec.headers),
    queryParams: new SharedSet(spec.queryParams),
    cookies: new SharedSet(spec.cookies),
    detectors: new SharedSet(spec.detectors),
    patterns: new SharedMap(spec.patterns),
    sources: new SharedMap(spec.sources),
    styles: new SharedMap(spec.styles ?? []),
    jsonPaths: new SharedSet(spec.jsonPaths ?? []),
  };
}

const EMPTY_SHARED_SPEC: RedactionSpec = sharedSpec(emptyRedactionSpec());

/**
 * Returns a spec with no targets whose empty collections are shared by every
 * transaction. Eight new empty Sets and Maps per transaction were about 1 KB
 * of its allocation, and most transactions only ever adopt an action's spec.
 */
export function emptySharedSpec(): RedactionSpec {
  return { ...EMPTY_SHARED_SPEC };
}

/** True when every collection of `spec` is shared, so what is derived from it can be kept for the next event. */
export function isSharedSpec(spec: RedactionSpec): boolean {
  return spec.headers instanceof SharedSet
    && spec.queryParams instanceof SharedSet
    && spec.cookies instanceof SharedSet
    && spec.detectors instanceof SharedSet
    && spec.patterns instanceof SharedMap
    && spec.sources instanceof SharedMap
    && spec.styles instanceof SharedMap
    && spec.jsonPaths instanceof SharedSet;
}

/** True when no target, pattern or source has been added to `spec`. */
export function isEmptySpec(spec: RedactionSpec): boolean {
  return spec.headers.size === 0
    && spec.queryParams.size === 0
    && spec.cookies.size === 0
    && spec.detectors.size === 0
    && spec.patterns.size === 0
    && spec.sources.size === 0
    && (spec.styles?.size ?? 0) === 0
    && (spec.jsonPaths?.size ?? 0) === 0;
}

/** Points `spec` at the collections of `shared`, which it must not change. */
export function adoptSpec(spec: RedactionSpec, shared: RedactionSpec): void {
  spec.headers = shared.headers;
  spec.queryParams = shared.queryParams;
  spec.cookies = shared.cookies;
  spec.detectors = shared.detectors;
  spec.patterns = shared.patterns;
  spec.sources = shared.sources;
  spec.styles = shared.styles;
  spec.jsonPaths = shared.jsonPaths;
}

/** Replaces each shared collection of `spec` with a copy it may change, so it can take more targets. */
export function unsharedSpec(spec: RedactionSpec): RedactionSpec {
  spec.headers = ownSet(spec.headers);
  spec.queryParams = ownSet(spec.queryParams);
  spec.cookies = ownSet(spec.cookies);
  spec.detectors = ownSet(spec.detectors);
  spec.patterns = ownMap(spec.patterns);
  spec.sources = ownMap(spec.sources);
  if (spec.styles !== undefined) {
    spec.styles = ownMap(spec.styles);
  }
  if (spec.jsonPaths !== undefined) {
    spec.jsonPaths = ownSet(spec.jsonPaths);
  }
  return spec;
}

function ownSet<T>(set: Set<T>): Set<T> {
  return set instanceof SharedSet ? new Set(set) : set;
}

function ownMap<K, V>(map: Map<K, V>): Map<K, V> {
  return map instanceof SharedMap ? new Map(map) : map;
}
