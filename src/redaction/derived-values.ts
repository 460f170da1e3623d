// Masks a value that a rule computed from redacted data (a log field, a
// set_field or set_metadata value). Once an expression has taken a
// substring, decoded or lower-cased a secret, no later pass can recognise
// the result, so the whole value is masked by what it was read from.
import { BODY_SOURCE_KEY } from '../model/record.js';
import type { Redactor } from './redactor.js';

/**
 * Returns the masked value, or null when nothing the expression read is
 * redacted. `sources` lists the header names it read, and BODY_SOURCE_KEY
 * when it read a body. A redacted header masks the value, and so does a body
 * while JSON-path redaction applies. A string is masked as it is, so that
 * the hmac fingerprint of a copied header equals the header's own.
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
