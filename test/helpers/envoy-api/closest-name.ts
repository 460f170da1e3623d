// Suggests the known name nearest to a misspelled one, so that an error
// message can ask "did you mean message_timeout?".

/** Returns the candidate within edit distance 3 of name (snake_case or camelCase), or null. */
export function closestName(name: string, candidates: readonly string[]): string | null {
  const wanted = normalise(name);
  let best: string | null = null;
  let bestDistance = 4;

  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalise(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function normalise(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/** Levenshtein distance with a two-row table. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_value, index) => index);

  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
