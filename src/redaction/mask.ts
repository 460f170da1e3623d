// The text that replaces a redacted value. Mask mode writes a fixed marker
// naming the reason, `[REDACTED:cookie]`. HMAC mode adds a keyed fingerprint,
// `[REDACTED:cookie:hmac=3f9a0c1de27b4410]`, so analysts can see that two
// events carried the same value without seeing it. A plain hash would not
// do: card numbers and short tokens have too little entropy. Partial mode
// keeps the last four letters or digits, `[REDACTED:card_number:last4=1111]`,
// and remove mode writes nothing.
import { createHmac } from 'node:crypto';
import type { DetectorName, RedactionMode, RedactionStyle } from '../model/record.js';
import { CtxprocError } from '../errors/codes.js';

/**
 * Why a value was redacted. It is a header, query parameter or cookie that a
 * redact rule names, or a value after such a name in a body or other text
 * (`named_value`). Otherwise a detector, a rule's named pattern, a JSON-path
 * target, a work limit or the userinfo of a URL found it.
 */
export type RedactionReason = 'header' | 'query_param' | 'cookie' | 'named_value' | 'json_path' | DetectorName | 'match_limit' | 'userinfo' | `pattern:${string}`;

export type { RedactionMode } from '../model/record.js';

/** HMAC-SHA-256 keys shorter than the hash output weaken it (RFC 2104 §3). */
export const MIN_HMAC_KEY_BYTES = 32;

/** Characters partial mode keeps. */
const PARTIAL_KEPT_CHARS = 4;

/**
 * Values shorter than this are masked whole in partial mode, because their
 * last four characters would be too large a share of them.
 */
const MIN_PARTIAL_CHARS = 8;

/** 16 hex digits, 64 bits: by the birthday bound, a collision becomes likely only near 2^32 distinct values. */
const FINGERPRINT_HEX_DIGITS = 16;

export interface MaskOptions {
  mode?: RedactionMode;
  /** Required in hmac mode: a secret of at least 32 bytes, rotated by the operator. */
  hmacKey?: Buffer;
}

export type Masker = (reason: RedactionReason, value: string) => string;

/** Creates the masking function for a mode; throws CTXPROC_CONFIG_INVALID on a missing or short key. */
export function createMasker(options: MaskOptions = {}): Masker {
  const mode = options.mode ?? 'mask';
  switch (mode) {
    case 'mask':
      return (reason) => `[REDACTED:${reason}]`;
    case 'partial':
      return partialMask;
    case 'remove':
      return () => '';
    case 'hmac':
      return hmacMasker(options.hmacKey);
  }
}

/** Creates the masking function of a redact rule's style. */
export function createStyleMasker(style: RedactionStyle): Masker {
  return createMasker({ mode: style.mode, hmacKey: style.key });
}

function partialMask(reason: RedactionReason, value: string): string {
  const kept = value.replace(/[^A-Za-z0-9]/g, '');
  if (kept.length < MIN_PARTIAL_CHARS) {
    return `[REDACTED:${reason}]`;
  }
  return `[REDACTED:${reason}:last4=${kept.slice(-PARTIAL_KEPT_CHARS)}]`;
}

function hmacMasker(key: Buffer | undefined): Masker {
  if (!key || key.length < MIN_HMAC_KEY_BYTES) {
    throw new CtxprocError(
      'CTXPROC_CONFIG_INVALID',
      `redaction mode hmac needs a key of at least ${MIN_HMAC_KEY_BYTES} bytes, got ${key?.length ?? 0}; generate one with \`openssl rand -hex 32\``,
    );
  }

  return (reason, value) => {
    const fingerprint = createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, FINGERPRINT_HEX_DIGITS);
    return `[REDACTED:${reason}:hmac=${fingerprint}]`;
  };
}

const WHOLE_MASK = /^\[REDACTED:[a-z_]+(?::[a-z][a-z0-9_]*)?(?::hmac=[0-9a-f]{16}|:last4=[A-Za-z0-9]{4})?\]$/;

/** Returns true when `value` is exactly one mask as createMasker writes it. */
export function isMask(value: string): boolean {
  return WHOLE_MASK.test(value);
}
