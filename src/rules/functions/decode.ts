// Decoding and normalisation of request text, the transformations a rule
// applies before it compares, so that an encoded attack reads like a plain one.

const PERCENT_SEQUENCES = /(?:%[0-9a-fA-F]{2})+/g;

/**
 * Decodes %XX sequences and '+' (a space in form data and query strings,
 * per the WHATWG URL standard's application/x-www-form-urlencoded parser).
 * A '%' not followed by two hex digits stays as it is, and bytes that are
 * not valid UTF-8 become U+FFFD, so decoding never fails.
 */
export function urlDecode(text: string): string {
  return text.replaceAll('+', ' ').replace(PERCENT_SEQUENCES, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

const BASE64_TEXT = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Decodes standard or URL-safe base64 (RFC 4648 sections 4 and 5) to UTF-8 text; returns null when text is not base64. */
export function base64Decode(text: string): string | null {
  const compact = text.trim();
  if (!BASE64_TEXT.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    return null;
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/**
 * Normalises a URL path as Envoy's normalize_path and merge_slashes options
 * do: repeated slashes become one, and "." and ".." segments are removed
 * (RFC 3986, section 5.2.4). The query string, if any, is kept unchanged.
 */
export function normalizePath(path: string): string {
  const queryStart = path.indexOf('?');
  const pathPart = queryStart < 0 ? path : path.slice(0, queryStart);
  const query = queryStart < 0 ? '' : path.slice(queryStart);

  const output: string[] = [];
  const segments = pathPart.split('/');
  for (const segment of segments) {
    if (segment === '..') {
      output.pop();
    } else if (segment !== '.' && segment !== '') {
      output.push(segment);
    }
  }

  const last = segments[segments.length - 1];
  const trailingSlash = segments.length > 1 && (last === '' || last === '.' || last === '..') && output.length > 0;
  return `/${output.join('/')}${trailingSlash ? '/' : ''}${query}`;
}
