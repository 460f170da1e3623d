// Masks a value that a rule computed from redacted data (a log field, a
// set_field or set_metadata value). Once an expression has taken a
// substring, decoded or lower-cased a secret, no later pass can recognise
// the result, so the whole value is masked by what it was read from.
import { BODY_SOURCE_KEY } from '../model/record.js';
import type { Redactor } from './redactor.js';

/**
 * Returns the masked value when `sources` (the header names the expression
 * read, and BODY_SOURCE_KEY for a body) include a redacted header, or a
 * body while JSON-path redaction applies; null when nothing it read is
 * redacted. A string value is masked as it is, so that an hmac fingerprint
 * of a copied header equals the header's own.
 */
export function maskDerivedValue(redactor: Redactor, sources: readonly string[], field: string, value: unknown): string | null {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';

  const header = sources.find((name) => name !== BODY_SOURCE_KEY && redactor.isTarget('header', name));
  if (header !== undefined) {
    return redactor.maskTarget('header', header, field, text) ?? '[REDACTED:header]';
  }

  const jsonPath = redactor.jsonPaths.keys().next();
  if (sources.includes(BODY_SOURCE_KEY) && jsonPath.done !== true) {
    return redactor.maskJsonPath(jsonPath.value, field, text);
  }
  return null;
}
