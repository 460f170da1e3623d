// Envoy's header mutation rules (filters/common/mutation_rules) and the
// header name and value checks of Http::HeaderUtility, for a client that must
// accept and reject exactly what Envoy does.
import type { MutationRulesConfig } from './types.js';

export type CheckOperation = 'set' | 'append' | 'remove';

/** ok: apply; ignore: skip and count; fail: skip, count and fail the request. */
export type CheckResult = 'ok' | 'ignore' | 'fail';

// RFC 9110 section 5.6.2 tchar: "!#$%&'*+-.^_`|~", digits and letters.
const TOKEN_CHARS = new Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

// Pseudo-header names go through nghttp2's check, which takes lower-case tchar only.
const LOWER_TOKEN_CHARS = new Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz");

// Envoy's authority check (HeaderUtility::authorityIsValid): the characters
// HTTP/2 allows in :authority plus "@" for HTTP/1 user-info.
const AUTHORITY_CHARS = new Set(
  "!$%&'()*+,-.0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz~",
);

// Headers that pick a route or cluster; changing them needs allow_all_routing.
const ROUTING_HEADERS = new Set(['host', ':authority', ':method', ':scheme']);

/**
 * Checks a header name as Envoy's HeaderUtility::headerNameIsValid does:
 * pseudo-headers need a non-empty lower-case token after the colon, other
 * names are tokens in any case.
 */
export function isValidHeaderName(name: string): boolean {
  if (name.startsWith(':')) {
    const rest = name.slice(1);
    return rest.length > 0 && [...rest].every((char) => LOWER_TOKEN_CHARS.has(char));
  }

  // NOTE: Envoy's check loops over the characters and so accepts an empty
  // name; what happens next depends on the codec. This client rejects it.
  return name.length > 0 && [...name].every((char) => TOKEN_CHARS.has(char));
}

/**
 * Checks a header value (latin1, one character per byte) as Envoy does with
 * quiche's IsValidHeaderValue and obs-text allowed: HTAB, SP, visible ASCII
 * and bytes 0x80-0xFF pass; NUL, CR, LF, other controls and DEL fail.
 */
export function isValidHeaderValue(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    const allowed = code === 0x09 || (code >= 0x20 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
    if (!allowed) {
      return false;
    }
  }
  return true;
}

export function isValidAuthority(value: string): boolean {
  return [...value].every((char) => AUTHORITY_CHARS.has(char));
}

/** Envoy accepts only http and https, in any case, as a :scheme value. */
export function isValidScheme(value: string): boolean {
  const lower = value.toLowerCase();
  return lower === 'http' || lower === 'https';
}

/** Envoy removes neither `host` nor any pseudo-header, regardless of the rules. */
function isModifiableHeader(name: string): boolean {
  return !name.startsWith(':') && name !== 'host';
}

/** One filter's HeaderMutationRules, checked in Envoy's order. */
export class MutationChecker {
  private readonly rules: Required<MutationRulesConfig>;

  constructor(rules: MutationRulesConfig = {}) {
    this.rules = {
      allow_all_routing: rules.allow_all_routing ?? false,
      allow_envoy: rules.allow_envoy ?? false,
      disallow_system: rules.disallow_system ?? false,
      disallow_all: rules.disallow_all ?? false,
      disallow_is_error: rules.disallow_is_error ?? false,
    };
  }

  /** Decides one mutation of a lower-case header name; `value` is ignored for removals. */
  check(operation: CheckOperation, name: string, value: string): CheckResult {
    const valueOk = operation === 'remove' || this.isValidValue(name, value);
    if (this.isAllowed(operation, name) && valueOk) {
      return 'ok';
    }
    return this.rules.disallow_is_error ? 'fail' : 'ignore';
  }

  private isAllowed(operation: CheckOperation, name: string): boolean {
    if (operation === 'remove' && !isModifiableHeader(name)) {
      return false;
    }

    // NOTE: allow_expression and disallow_expression (regular expressions,
    // checked here in Envoy) are not configurable in this client.
    if (this.rules.disallow_all) {
      return false;
    }
    if (!this.rules.allow_all_routing && ROUTING_HEADERS.has(name)) {
      return false;
    }

    // Pseudo-headers hold one value, so appending is never allowed.
    if (name.startsWith(':') && (operation === 'append' || this.rules.disallow_system)) {
      return false;
    }
    if (!this.rules.allow_envoy && name.startsWith('x-envoy')) {
      return false;
    }
    return true;
  }

  /** Values that would make Envoy misbehave: bad authority, scheme or status. */
  private isValidValue(name: string, value: string): boolean {
    if (!name.startsWith(':') && !isValidHeaderValue(value)) {
      return false;
    }
    if ((name === 'host' || name === ':authority') && !isValidAuthority(value)) {
      return false;
    }
    if (name === ':scheme' && !isValidScheme(value)) {
      return false;
    }
    if (name === ':status') {
      return /^\d+$/.test(value) && Number(value) >= 200 && Number(value) <= 0xffffffff;
    }
    return true;
  }
}
