// A small JSONPath subset for rules: $ followed by .name, ['name'] and [n]
// steps. Filters, wildcards and recursive descent are rejected at load time,
// because each would return a list and make a condition's type unclear.

export type PathStep = string | number;

const STEP = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d{1,9})\])/;

/** Parses path into steps; returns a message when it is outside the supported subset. */
export function parseJsonPath(path: string): PathStep[] | string {
  if (!path.startsWith('$')) {
    return `JSON path '${path}' must start with '$'`;
  }

  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = STEP.exec(rest);
    if (match === null) {
      return `JSON path '${path}' has an unsupported step at '${rest}'; use .name, ['name'] or [index]`;
    }
    steps.push(match[1] ?? (match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : Number(match[3])));
    rest = rest.slice(match[0].length);
  }
  return steps;
}

/** Returns the value at steps inside value (plain JSON objects and arrays), or undefined when absent. */
export function followJsonPath(value: unknown, steps: readonly PathStep[]): unknown {
  let current = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      current = Array.isArray(current) ? current[step] : undefined;
    } else if (current instanceof Map) {
      current = current.get(step);
    } else {
      current = typeof current === 'object' && current !== null && !Array.isArray(current) && Object.hasOwn(current, step) ? (current as Record<string, unknown>)[step] : undefined;
    }
    if (current === undefined) {
      return undefined;
    }
  }
  return current;
}
