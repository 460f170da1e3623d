// JSON-path targets of redact rules: `$.user.password`, `$.cards[*].number`,
// `$.items[0].token`. Only member names, array indexes and the [*] wildcard
// are supported, because filters and recursive descent cost more than a
// per-event redaction should. A value a path selects is masked whole, whatever
// its JSON type, and kept as a known value so a copy elsewhere is masked too.
import type { Redactor } from './redactor.js';

export type JsonPathSegment = string | number | '*';

/** The JSON path syntax accepted, for messages. */
export const JSON_PATH_SYNTAX = "'$' followed by .name, ['name'], [index] or [*] steps, such as $.user.password or $.cards[*].number";

const STEP = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d{1,9})\]|\[\*\]|\['([^'\\]+)'\])/;

/** Parses path into steps; returns null when it is not in the supported subset. */
export function parseJsonPath(path: string): JsonPathSegment[] | null {
  if (!path.startsWith('$')) {
    return null;
  }

  const segments: JsonPathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const step = STEP.exec(rest);
    if (step === null) {
      return null;
    }
    segments.push(step[1] ?? step[3] ?? (step[2] !== undefined ? Number(step[2]) : '*'));
    rest = rest.slice(step[0].length);
  }
  return segments.length > 0 ? segments : null;
}

/**
 * Masks the values that paths select in a JSON text, records each under
 * field (unless options.record is false, when the values are only kept as
 * known secrets), and returns the text serialised again (compact). Returns
 * null when text is not JSON, so the caller falls back to scanning it as text.
 */
export function redactJsonPaths(
  redactor: Redactor,
  field: string,
  text: string,
  paths: ReadonlyMap<string, JsonPathSegment[]>,
  options: { record?: boolean } = {},
): string | null {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return null;
  }

  for (const [path, segments] of paths) {
    document = replaceAt(document, segments, (value) => redactor.maskJsonPath(path, `${field}${path.slice(1)}`, value, options.record ?? true));
  }
  return JSON.stringify(document);
}

function replaceAt(node: unknown, segments: readonly JsonPathSegment[], mask: (value: unknown) => string): unknown {
  if (segments.length === 0) {
    return mask(node);
  }
  if (node === null || typeof node !== 'object') {
    return node;
  }

  const [head, ...rest] = segments as [JsonPathSegment, ...JsonPathSegment[]];
  if (Array.isArray(node)) {
    if (head === '*') {
      return node.map((item) => replaceAt(item, rest, mask));
    }
    if (typeof head === 'number' && head < node.length) {
      node[head] = replaceAt(node[head], rest, mask);
    }
    return node;
  }

  const record = node as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(record) : typeof head === 'string' && Object.hasOwn(record, head) ? [head] : [];
  for (const key of keys) {
    record[key] = replaceAt(record[key], rest, mask);
  }
  return node;
}
