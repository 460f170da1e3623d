// Redaction of the HTTP parts of a transaction: header values by name,
// cookies inside Cookie and Set-Cookie, query parameters inside the request
// target and inside URL-valued headers, and form bodies. Every piece that is
// not masked by name still goes through the detectors.
import { unescape } from 'node:querystring';
import { rewriteCookieHeader, rewriteSetCookie, type CookieRewriter } from './cookies.js';
import { rewriteQuery, toWellFormed, type PairRewriter, type QueryPair } from './query.js';
import { BASELINE_RULE } from './baseline.js';
import { SCAN_MARGIN_CHARS, type Redactor } from './redactor.js';

export type Direction = 'request' | 'response';

/** Headers whose value is a URL that can carry a token in its query or fragment (RFC 9110 §10.1.3, §10.2.2, §8.7). */
const URL_HEADERS = new Set(['referer', 'location', 'content-location']);

/** A query string parsed the way Datadog's URL parser fills `http.url_details.queryString`. */
export type QueryObject = Record<string, string | string[]>;

export interface RedactedTarget {
  /** Path without the query, percent-encoded as on the wire. */
  path: string;
  /** Query without the leading `?`, percent-encoded; empty when absent. */
  query: string;
  /** Decoded, redacted parameters; a repeated name maps to an array. */
  queryString: QueryObject;
}

/** Redacts one header value; `field` of each redaction is `http.<direction>.headers.<name>`. */
export function redactHeader(redactor: Redactor, direction: Direction, name: string, value: string): string {
  const lower = name.toLowerCase();
  const field = `http.${direction}.headers.${redactor.name(`http.${direction}.headers`, lower)}`;

  const masked = redactor.maskTarget('header', lower, field, value);
  if (masked !== null) {
    return masked;
  }

  const window = value.slice(0, redactor.maxValueChars + SCAN_MARGIN_CHARS);
  if (lower === 'cookie') {
    return redactor.limit(rewriteCookieHeader(window, cookieRewriter(redactor, direction, field)));
  }
  if (lower === 'set-cookie') {
    return redactor.limit(rewriteSetCookie(window, cookieRewriter(redactor, direction, field)));
  }
  if (URL_HEADERS.has(lower)) {
    return redactUrlValue(redactor, field, window);
  }
  if (lower === 'host' || lower === ':authority') {
    return redactor.text(field, redactAuthority(redactor, `http.${direction}.url.userinfo`, window));
  }
  return redactor.text(field, value);
}

/**
 * Drops the userinfo of an authority, `user:password@shop.example` becoming
 * `shop.example`, and records the redaction under `field`. RFC 9110 §4.2.4
 * forbids userinfo in http(s) URIs, so a value that carries one is either a
 * client mistake or an attempt to get a password into the log.
 */
export function redactAuthority(redactor: Redactor, field: string, authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at === -1) {
    return authority;
  }

  redactor.recordRedaction(field, 'userinfo', BASELINE_RULE);
  return authority.slice(at + 1);
}

/** Redacts the request path and query; parameter redactions are recorded as `http.request.query.<name>`. */
export function redactRequestTarget(redactor: Redactor, path: string, query: string): RedactedTarget {
  const windowChars = redactor.maxValueChars + SCAN_MARGIN_CHARS;
  const redactedPath = redactor.limit(redactPathText(redactor, 'http.request.path', path.slice(0, windowChars)));
  const rewriter = pairRewriter(redactor, 'http.request.query', (name) => `http.request.query.${name}`);
  const rewritten = rewriteQuery(query, rewriter, windowChars);

  return {
    path: redactedPath,
    query: redactor.limit(rewritten.encoded),
    queryString: toQueryObject(rewritten.pairs),
  };
}

/**
 * Redacts a URL held in a header value or elsewhere: path, query parameters
 * by name, and the fragment. A fragment is read like a query too, because
 * the OAuth 2.0 implicit flow (RFC 6749 §4.2.2) returns `access_token` there.
 */
export function redactUrlValue(redactor: Redactor, field: string, original: string): string {
  const url = withoutUserinfo(redactor, field, original);
  const queryStart = url.indexOf('?');
  const fragmentStart = url.indexOf('#', queryStart === -1 ? 0 : queryStart);
  let baseEnd = url.length;
  if (queryStart !== -1) {
    baseEnd = queryStart;
  } else if (fragmentStart !== -1) {
    baseEnd = fragmentStart;
  }

  const windowChars = redactor.maxValueChars + SCAN_MARGIN_CHARS;
  let output = redactPathText(redactor, field, url.slice(0, Math.min(baseEnd, windowChars)));
  if (queryStart !== -1) {
    const query = url.slice(queryStart + 1, fragmentStart === -1 ? url.length : fragmentStart);
    const rewritten = rewriteQuery(query, pairRewriter(redactor, field, () => field), windowChars);
    output += `?${rewritten.encoded}`;
  }
  if (fragmentStart !== -1) {
    output += `#${redactFragment(redactor, field, url.slice(fragmentStart + 1), windowChars)}`;
  }
  return redactor.limit(output);
}

/**
 * Redacts a fragment: `access_token=…&state=…` as a query, and
 * `/callback?access_token=…` as a route followed by a query, as single-page
 * applications write it. A fragment without `=` is only scanned.
 */
function redactFragment(redactor: Redactor, field: string, fragment: string, windowChars: number): string {
  if (!fragment.includes('=')) {
    return redactor.scan(field, fragment, windowChars);
  }

  const queryStart = fragment.indexOf('?');
  const route = queryStart === -1 ? '' : `${redactPathText(redactor, field, fragment.slice(0, Math.min(queryStart, windowChars)))}?`;
  const query = queryStart === -1 ? fragment : fragment.slice(queryStart + 1);
  return route + rewriteQuery(query, pairRewriter(redactor, field, () => field), windowChars).encoded;
}

/**
 * Redacts an application/x-www-form-urlencoded body over its first
 * `windowChars` characters: fields named like redacted query parameters are
 * masked, and detectors see decoded values.
 */
export function redactFormText(redactor: Redactor, field: string, body: string, windowChars: number): string {
  return rewriteQuery(body, pairRewriter(redactor, field, () => field, false), windowChars).encoded;
}

function cookieRewriter(redactor: Redactor, direction: Direction, headerField: string): CookieRewriter {
  const cookiesField = `http.${direction}.cookies`;
  return {
    rewriteName: (name) => redactor.name(cookiesField, name),
    rewriteValue: (name, value) => {
      const field = `${cookiesField}.${redactor.name(cookiesField, name)}`;
      return redactor.maskNamedValue(name, field, value, 'cookie') ?? redactor.text(field, value);
    },
    rewriteOther: (text) => redactor.scan(headerField, text, text.length),
  };
}

/** `inQuery` is true for a URL's query and fragment, false for a form body. */
function pairRewriter(redactor: Redactor, namesField: string, fieldOf: (safeName: string) => string, inQuery = true): PairRewriter {
  return ({ name, value }: QueryPair): QueryPair => {
    const safeName = redactor.name(namesField, name);
    if (value === null) {
      return { name: safeName, value: null };
    }

    const field = fieldOf(safeName);
    const masked = redactor.maskNamedValue(name, field, value, 'query_param', inQuery);
    return { name: safeName, value: masked ?? redactor.text(field, value) };
  };
}

/**
 * Scans a path as written and, when it has percent escapes, as decoded too,
 * so `/cards/4111%201111%201111%201111` is caught. A match in the decoded
 * form is written back percent-encoded, masks excepted.
 */
function redactPathText(redactor: Redactor, field: string, path: string): string {
  if (!path.includes('%')) {
    return redactor.scan(field, path, path.length);
  }

  const decoded = unescape(path);
  const redacted = redactor.scan(field, decoded, decoded.length);
  if (redacted === decoded) {
    return redactor.scan(field, path, path.length);
  }
  return encodeURI(toWellFormed(redacted)).replace(/%5B|%5D/g, (escape) => decodeURIComponent(escape));
}

function toQueryObject(pairs: QueryPair[]): QueryObject {
  const result: QueryObject = Object.create(null);
  for (const { name, value } of pairs) {
    const existing = result[name];
    const text = value ?? '';
    if (existing === undefined) {
      result[name] = text;
    } else if (Array.isArray(existing)) {
      existing.push(text);
    } else {
      result[name] = [existing, text];
    }
  }
  return result;
}

/** scheme "://" userinfo "@": the userinfo of an absolute URL (RFC 3986, section 3.2.1). */
const URL_USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#@]*)@/;

/**
 * Drops a userinfo without a password, `https://<token>@host`, from an
 * absolute URL, because the user part then often is the credential. A
 * `user:password@` userinfo stays for the scan, which masks the password
 * alone and keeps the user readable (url-password.ts).
 */
function withoutUserinfo(redactor: Redactor, field: string, url: string): string {
  const match = URL_USERINFO.exec(url);
  if (!match || match[2]!.includes(':')) {
    return url;
  }
  redactor.recordRedaction(`${field}.userinfo`, 'userinfo', BASELINE_RULE);
  return match[1] + url.slice(match[0].length);
}
