// The name suffix that Kustomize appends to a generated ConfigMap: a hash of
// its kind, name and data, so that new content gets a new name and every
// workload that mounts it rolls. Same algorithm as Kustomize's hasher: the
// SHA-256 of Go's json.Marshal of {data, kind, name} (keys sorted, <, > and
// & escaped), its first ten hex digits, with 0, 1, 3, a and e mapped to g,
// h, k, m and t so that no word can form.
import { createHash } from 'node:crypto';

const DIGIT_MAP: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };

/** Returns the hash suffix of a ConfigMap with this name and data. */
export function configMapHash(name: string, data: Record<string, string>): string {
  const sortedData = Object.fromEntries(Object.entries(data).sort(([a], [b]) => compareBytes(a, b)));
  const encoded = goJson({ data: sortedData, kind: 'ConfigMap', name });
  const hex = createHash('sha256').update(encoded, 'utf8').digest('hex');
  return [...hex.slice(0, 10)].map((digit) => DIGIT_MAP[digit] ?? digit).join('');
}

/** Orders keys by code unit, as Go sorts map keys when it encodes JSON. */
function compareBytes(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** JSON as Go's encoding/json writes it: JSON.stringify plus its HTML-safe escapes. */
function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
