// Collects the values that redaction covers in one transaction: header
// values, the credentials inside them, cookie values, query parameter
// values and the userinfo of URLs. The redactor then masks them wherever
// else they show up, such as a log field that copied a header, a path or a
// note, because names alone cannot catch a copy under another name.
import type { Exchange, HeaderList } from '../model/exchange.js';
import { BASELINE_RULE } from './baseline.js';
import { redactJsonPaths } from './json-paths.js';
import { decodeFormComponent } from './query.js';
import { MAX_KNOWN_SECRETS, type Redactor } from './redactor.js';
import { isWholeBody, readableBytes } from '../model/readable-body.js';

/** The userinfo of an absolute URL in a header value, such as a referer (RFC 3986, section 3.2.1). */
const URL_USERINFO = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#@\s]+)@/;

/** `<scheme> <credentials>` of Authorization and Proxy-Authorization (RFC 9110 §11.4); blanks may be spaces or tabs. */
const SCHEME_CREDENTIALS = /^[ \t]*[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*[ \t]+([^ \t]+)[ \t]*$/;

/**
 * Registers every redacted value of the exchange with the redactor. The
 * redactor keeps only the first MAX_KNOWN_SECRETS values, and a client can
 * send cookies and query parameters at will, so credential headers come
 * first, then cookies, then query parameters.
 */
export function rememberKnownSecrets(redactor: Redactor, exchange: Exchange): void {
  rememberUserinfo(redactor, exchange.request?.host ?? '');
  for (const [, value] of [...(exchange.request?.headers ?? []), ...(exchange.response?.headers ?? [])]) {
    const userinfo = URL_USERINFO.exec(value)?.[1];
    if (userinfo) {
      rememberUserinfo(redactor, `${userinfo}@`);
    }
  }

  const headerLists = [exchange.request?.headers, exchange.response?.headers, exchange.request?.trailers, exchange.response?.trailers]
    .filter((headers): headers is HeaderList => headers !== null && headers !== undefined);
  for (const headers of headerLists) {
    rememberHeaders(redactor, headers, false);
  }
  for (const headers of headerLists) {
    rememberHeaders(redactor, headers, true);
  }

  rememberQuery(redactor, exchange.request?.query ?? '');
  rememberJsonPathValues(redactor, exchange);
}

/**
 * Registers the values that JSON-path targets select in complete JSON bodies,
 * so a log field or metadata that copied the body is masked too, even
 * though it is redacted before the body excerpt is built.
 */
function rememberJsonPathValues(redactor: Redactor, exchange: Exchange): void {
  if (redactor.jsonPaths.size === 0) {
    return;
  }
  for (const facts of [exchange.request, exchange.response]) {
    const capture = facts?.body;
    if (capture && isWholeBody(capture)) {
      redactJsonPaths(redactor, 'known', readableBytes(capture).toString('utf8'), redactor.jsonPaths, { record: false });
    }
  }
}

/** Registers the redacted header values, either the cookie headers or all the others. */
function rememberHeaders(redactor: Redactor, headers: HeaderList, cookies: boolean): void {
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const isCookieHeader = lower === 'cookie' || lower === 'set-cookie';
    if (isCookieHeader !== cookies) {
      continue;
    }
    if (isCookieHeader) {
      rememberCookies(redactor, lower as 'cookie' | 'set-cookie', value);
    } else if (redactor.isTarget('header', lower)) {
      rememberHeaderValue(redactor, lower, value);
    }
  }
}

/** Registers the whole value, the credentials after the scheme, and for Basic the decoded `user:password` and password. */
function rememberHeaderValue(redactor: Redactor, name: string, value: string): void {
  redactor.addKnownSecret('header', name, value);

  const credentials = SCHEME_CREDENTIALS.exec(value)?.[1];
  if (credentials === undefined) {
    return;
  }
  redactor.addKnownSecret('header', name, credentials);

  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (/^basic[ \t]/i.test(value.trimStart()) && colon !== -1 && !decoded.includes('\uFFFD')) {
    redactor.addKnownSecret('header', name, decoded);
    redactor.addKnownSecret('header', name, decoded.slice(colon + 1));
  }
}

/**
 * Registers cookie values. When the whole Cookie or Set-Cookie header is
 * redacted, only values that look like tokens count, because cookies also
 * carry ordinary values (returnTo=/orders, lastViewed=1234567) that appear
 * in paths. Otherwise the values of the redacted cookie names count.
 */
function rememberCookies(redactor: Redactor, header: 'cookie' | 'set-cookie', value: string): void {
  const wholeHeader = redactor.isTarget('header', header);
  const pairs = header === 'cookie' ? value.split(';') : [value.split(';', 1)[0] ?? ''];

  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      continue;
    }
    const cookieValue = pair.slice(equals + 1).trim();
    if (wholeHeader) {
      if (looksLikeToken(cookieValue)) {
        redactor.addKnownSecret('header', header, cookieValue);
      }
    } else {
      redactor.addKnownSecret('cookie', pair.slice(0, equals).trim(), cookieValue);
    }
  }
}

function rememberQuery(redactor: Redactor, query: string): void {
  let position = 0;
  while (position < query.length && redactor.knownSecretCount < MAX_KNOWN_SECRETS) {
    const next = query.indexOf('&', position);
    const end = next === -1 ? query.length : next;
    const pair = query.slice(position, end);
    position = end + 1;

    const equals = pair.indexOf('=');
    if (equals <= 0) {
      continue;
    }
    const name = pair.slice(0, equals);
    const raw = pair.slice(equals + 1);
    redactor.addKnownSecret('query_param', name, raw);
    redactor.addKnownSecret('query_param', name, decodeFormComponent(raw));
  }
}

/**
 * Registers the password of `user:password@host`, which redactAuthority
 * drops from the URL, so that copies elsewhere show the user and host but
 * not the password. A userinfo without a password is registered whole: it
 * is often a token, as in `https://<token>@git.example`.
 */
function rememberUserinfo(redactor: Redactor, authority: string): void {
  const at = authority.lastIndexOf('@');
  if (at <= 0) {
    return;
  }

  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const secret = colon === -1 ? userinfo : userinfo.slice(colon + 1);
  if (secret !== '') {
    redactor.addKnownValue(secret, 'userinfo', BASELINE_RULE);
  }
}

/** At least 12 characters with a digit: session ids and tokens, not paths, words or small numbers. */
function looksLikeToken(value: string): boolean {
  return value.length >= 12 && /[0-9]/.test(value);
}
