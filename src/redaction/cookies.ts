// Rewriting of Cookie and Set-Cookie header values (RFC 6265 §4.2.1 and
// §4.1.1) piece by piece, so that a cookie's value can be masked by name
// while names and Set-Cookie attributes stay readable.

/** Rewrites each piece; `rewriteValue` receives the cookie name and its value. */
export interface CookieRewriter {
  rewriteName(name: string): string;
  rewriteValue(name: string, value: string): string;
  /** Text that is neither a name nor a value: Set-Cookie attributes, a pair without `=`. */
  rewriteOther(text: string): string;
}

/** Rewrites a Cookie header, `a=1; b=2`. Pairs keep their order and the `; ` separator. */
export function rewriteCookieHeader(header: string, rewriter: CookieRewriter): string {
  return header
    .split(';')
    .map((pair) => rewritePair(pair.trim(), rewriter))
    .join('; ');
}

/** Rewrites a Set-Cookie header, `a=1; Path=/; HttpOnly`: the first pair is the cookie. */
export function rewriteSetCookie(header: string, rewriter: CookieRewriter): string {
  const attributesStart = header.indexOf(';');
  if (attributesStart === -1) {
    return rewritePair(header.trim(), rewriter);
  }

  const cookie = rewritePair(header.slice(0, attributesStart).trim(), rewriter);
  return cookie + rewriter.rewriteOther(header.slice(attributesStart));
}

function rewritePair(pair: string, rewriter: CookieRewriter): string {
  const equals = pair.indexOf('=');
  if (equals === -1) {
    return rewriter.rewriteOther(pair);
  }

  const name = pair.slice(0, equals).trim();
  const value = pair.slice(equals + 1).trim();
  return `${rewriter.rewriteName(name)}=${rewriter.rewriteValue(name, value)}`;
}
