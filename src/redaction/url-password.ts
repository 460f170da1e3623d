// Finds the password of `scheme://user:password@host` in any text: database
// and broker connection strings (postgres, mysql, redis, amqp, mongodb+srv)
// and http(s) URLs with credentials, as bodies, query values, headers and
// log lines carry them. Only the password is a secret; the user and host
// stay readable, so the event still shows which account and server it was.
// A long userinfo without a password is masked whole, since it is then
// usually a token used as the user name.
import type { Span } from './detector.js';

/**
 * Maximum length of the authority read after `//`, in UTF-16 code units.
 * RFC 3986 sets no limit. DNS names end at 253 characters, and a password
 * of several hundred characters is a key, not a password.
 */
const MAX_AUTHORITY_CHARS = 1024;

/** A value that a previous pass already replaced; masking it again would change its HMAC fingerprint. */
const MASK_PREFIX = '[REDACTED:';

/**
 * Returns the spans of URL passwords in `text`, at most `maxMatches`, in
 * order. The search looks for `//`, which is rarer than `:` in logs and
 * JSON, and for `\/\/` only in text that has it, since JSON may escape `/`.
 */
export function findUrlPasswords(text: string, maxMatches: number): Span[] {
  const escaped = text.includes(ESCAPED_SLASHES);
  if (!escaped && !text.includes('//')) {
    return NO_SPANS;
  }

  const spans: Span[] = [];
  collect(text, '//', maxMatches, spans);
  if (escaped) {
    collect(text, ESCAPED_SLASHES, maxMatches, spans);
    spans.sort((left, right) => left.start - right.start);
  }
  return spans.length > maxMatches ? spans.slice(0, maxMatches) : spans;
}

const ESCAPED_SLASHES = '\\/\\/';

/** Returned for the many strings without a URL, so that scanning them allocates nothing; callers only read it. */
const NO_SPANS: Span[] = Object.freeze([]) as unknown as Span[];

/** Adds the password of each URL whose `:` and `slashes` start its authority, up to `maxMatches` spans in all. */
function collect(text: string, slashes: string, maxMatches: number, spans: Span[]): void {
  let at = text.indexOf(slashes, 1);
  while (at !== -1 && spans.length < maxMatches) {
    const colon = at - 1;
    const authorityStart = at + slashes.length;
    const span = text.charCodeAt(colon) === COLON && hasScheme(text, colon) ? passwordIn(text, authorityStart) : null;
    if (span !== null) {
      spans.push(span);
    }
    at = text.indexOf(slashes, span === null ? authorityStart : span.end);
  }
}

const COLON = 0x3a;

/** True when a URI scheme ends at `end`: a letter, then letters, digits, `+`, `-` or `.` (RFC 3986, section 3.1). */
function hasScheme(text: string, end: number): boolean {
  let start = end;
  while (start > 0 && isSchemeChar(text.charCodeAt(start - 1))) {
    start -= 1;
  }
  while (start < end && !isLetter(text.charCodeAt(start))) {
    start += 1;
  }
  return start < end;
}

/**
 * Returns the span of the password in the authority that starts at `start`:
 * after the first `:` of the userinfo, up to the last `@` before the
 * authority ends. A sloppy connection string leaves `@` in a password
 * unescaped (`redis://:p@ss@cache`), and the last `@` still ends it.
 */
function passwordIn(text: string, start: number): Span | null {
  const limit = Math.min(text.length, start + MAX_AUTHORITY_CHARS);
  let end = start;
  let lastAt = -1;
  while (end < limit && !isAuthorityEnd(text.charCodeAt(end))) {
    if (text.charCodeAt(end) === AT) {
      lastAt = end;
    }
    end += 1;
  }
  if (lastAt === -1) {
    return null;
  }

  // The userinfo's colon is searched within the userinfo only, so that the scan stays linear.
  const colon = text.slice(start, lastAt).indexOf(':') + start;
  if (colon < start) {
    return lastAt - start >= MIN_TOKEN_USERINFO_CHARS && !text.startsWith(MASK_PREFIX, start) ? { start, end: lastAt } : null;
  }
  if (text.startsWith(MASK_PREFIX, colon + 1)) {
    return null;
  }
  return colon + 1 < lastAt ? { start: colon + 1, end: lastAt } : null;
}

/**
 * Shortest userinfo without a password that is masked whole. Git hosts take
 * a token as the user (`https://<token>@github.com/org/repo`), and tokens are
 * long, while user names such as `git@` are short. 16 characters is a guess
 * between the two.
 */
const MIN_TOKEN_USERINFO_CHARS = 16;

const AT = 0x40;

/** `/`, `?`, `#`, a backslash (JSON's `\/`), quotes, angle brackets and blanks end an authority. */
function isAuthorityEnd(code: number): boolean {
  return code === 0x2f || code === 0x3f || code === 0x23 || code === 0x5c || code === 0x22 || code === 0x27
    || code === 0x3c || code === 0x3e || code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isSchemeChar(code: number): boolean {
  return isLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}
