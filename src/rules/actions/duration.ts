// Durations in action arguments: a whole number and a unit, as in Kubernetes
// and Envoy configs: 500ms, 30s, 10m, 1h.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The duration syntax accepted, for messages. */
export const DURATION_SYNTAX = 'a whole number followed by ms, s, m or h, such as 30s or 10m';

/** Returns the duration in milliseconds, or null when text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,9})(ms|s|m|h)$/.exec(text);
  if (match === null) {
    return null;
  }
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
