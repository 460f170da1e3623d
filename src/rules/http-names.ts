// Checks for header names and values written in rule files. Envoy fails the
// whole request with a 500 when a header mutation has an invalid name or
// value, so ctxproc rejects them when the rules load instead.

/** RFC 9110 section 5.6.2 token characters, lower-case only because HTTP/2 and Envoy use lower-case names. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** Returns why name is not a usable header name, or null when it is. */
export function headerNameProblem(name: string): string | null {
  if (name.startsWith(':')) {
    return `invalid header name '${name}': pseudo-headers cannot be named in rules; Envoy controls them`;
  }
  if (!HEADER_NAME.test(name.toLowerCase())) {
    return `invalid header name '${name}': expected an RFC 9110 token (letters, digits and !#$%&'*+-.^_\`|~), without spaces or colons`;
  }
  if (name !== name.toLowerCase()) {
    return `invalid header name '${name}': write it in lower case ('${name.toLowerCase()}'), as Envoy and HTTP/2 do`;
  }
  return null;
}

/** Returns true when value can be sent as a header value: no CR, LF or NUL (RFC 9110 section 5.5). */
export function isValidHeaderValue(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}
