// Takes the values an application would read from a request apart: path,
// query parameters, headers, cookies, and form, JSON or multipart body
// fields, each with the location detections report.
import type { HeaderList, RequestFacts } from '../model/exchange.js';
import { urlDecodeOnce } from './decode.js';
import { MAX_BODY_BYTES, MAX_INSPECTED_CHARS, MAX_JSON_DEPTH, MAX_MULTIPART_PARTS, MAX_VALUE_CHARS, MAX_VALUES, VALUE_PIECE_OVERLAP_CHARS } from './limits.js';
import type { InspectedValue } from './types.js';
import { encodedText, readableBytes } from '../model/readable-body.js';

// Credentials are never inspected, so their values cannot reach
// Detection.matched, events or logs. Cookies are parsed apart below.
const SKIPPED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'content-length', 'x-api-key', 'x-auth-token']);

const PIECE_STEP = MAX_VALUE_CHARS - VALUE_PIECE_OVERLAP_CHARS;

/** Blanks kept at each end of a long run of them in a value longer than one piece. */
const KEPT_BLANKS = 32;

// Spaces, tabs, line breaks and their URL encodings. Shells, SQL and HTML
// read a run of them as one blank, while a long run between an operator
// and a command could place them in two pieces that do not overlap.
const BLANK_RUN = new RegExp(String.raw`(?:[ \t\n\v\f\r+]|%(?:20|0[9aAbBcCdD])){${2 * KEPT_BLANKS + 1},}`, 'g');
const BLANK_UNIT = /%[0-9a-fA-F]{2}|[^]/g;

/**
 * Returns `value` with each run of more than 2 * KEPT_BLANKS blanks cut to
 * its first and last KEPT_BLANKS, whole escapes only, so line breaks at
 * either end of the run stay for the detectors that look for them.
 */
function shortenBlankRuns(value: string): string {
  return value.replace(BLANK_RUN, (run) => {
    const units = run.match(BLANK_UNIT)!;
    return units.length <= 2 * KEPT_BLANKS ? run : units.slice(0, KEPT_BLANKS).join('') + units.slice(-KEPT_BLANKS).join('');
  });
}

/**
 * A bounded list of values: at most MAX_VALUES entries and MAX_INSPECTED_CHARS
 * characters in all. A value longer than MAX_VALUE_CHARS is added as
 * overlapping pieces with its location, so padding cannot push an attack
 * past what the detectors read. Long runs of blanks in it are shortened
 * first, so blanks cannot push an operator and its command apart.
 */
export class ValueList {
  readonly values: InspectedValue[] = [];
  /** Location of the first value that a limit left out in whole or in part, or null. */
  firstLeftOut: string | null = null;
  private remainingChars = MAX_INSPECTED_CHARS;

  /** Returns whether the list takes no more values; if so, records `location` as left out. */
  isFull(location: string): boolean {
    if (this.values.length < MAX_VALUES && this.remainingChars > 0) {
      return false;
    }
    this.firstLeftOut ??= location;
    return true;
  }

  add(location: string, rawValue: string): void {
    if (rawValue !== '' && this.isFull(location)) {
      return;
    }
    const value = rawValue.length > MAX_VALUE_CHARS ? shortenBlankRuns(rawValue) : rawValue;
    for (let start = 0; this.values.length < MAX_VALUES && this.remainingChars > 0; start += PIECE_STEP) {
      const end = start + Math.min(MAX_VALUE_CHARS, this.remainingChars);
      const piece = start === 0 && end >= value.length ? value : value.slice(start, end);
      if (piece === '') {
        return;
      }
      this.values.push({ location, value: piece });
      this.remainingChars -= piece.length;
      if (end >= value.length) {
        return;
      }
    }
    this.firstLeftOut ??= location;
  }
}

/** Collects the request values detectors inspect, at most MAX_VALUES of them. */
export function requestValues(request: RequestFacts): InspectedValue[] {
  return requestValueList(request).values;
}

/** Collects the request values detectors inspect, and where the limits first left one out. */
export function requestValueList(request: RequestFacts): ValueList {
  const list = new ValueList();
  list.add('path', request.url_path);
  addPairs(list, 'query', request.query);
  addHeaders(list, request.headers);
  addBody(list, request);
  return list;
}

// Content negotiation headers whose whole value fits their RFC 9110 grammar
// (tokens, `q=` weights, media ranges) cannot carry a payload, so detectors
// skip them. Any other character in the value gets the header inspected.
const NEGOTIATION_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'accept-charset', 'te']);
const NEGOTIATION_GRAMMAR = /^[\w\s,;=.*/+-]*$/;

// Envoy passes the HTTP/2-style pseudo-headers (`:path`, `:method`,
// `:scheme`, `:authority`) with the request headers. The path and query are
// inspected field by field already, so `:path` is skipped. `:authority` is
// read as the Host header.
function addHeaders(list: ValueList, headers: HeaderList): void {
  for (const [name, value] of headers) {
    if (name.startsWith(':')) {
      if (name === ':authority') {
        list.add('header.host', value);
      }
    } else if (name === 'cookie') {
      addCookies(list, value);
    } else if (NEGOTIATION_HEADERS.has(name) && NEGOTIATION_GRAMMAR.test(value)) {
      continue;
    } else if (!SKIPPED_HEADERS.has(name)) {
      list.add(`header.${name}`, value);
    }
  }
}

// RFC 6265 cookie-string: pairs separated by "; ". Names are inspected too,
// because attackers put payloads wherever the application reads.
function addCookies(list: ValueList, header: string): void {
  for (const pair of pieces(header, ';')) {
    if (list.isFull('cookie_name')) {
      return;
    }
    const equals = pair.indexOf('=');
    const name = (equals === -1 ? pair : pair.slice(0, equals)).trim();
    list.add('cookie_name', name);
    if (equals !== -1) {
      list.add(`cookie.${name}`, pair.slice(equals + 1).trim());
    }
  }
}

/** Adds the names and values of an `a=1&b=2` string (query or form body); names are URL-decoded once for the location. */
export function addPairs(list: ValueList, prefix: string, text: string): void {
  if (text === '') {
    return;
  }
  for (const pair of pieces(text, '&')) {
    if (list.isFull(`${prefix}_name`)) {
      return;
    }
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = urlDecodeOnce(rawName);
    list.add(`${prefix}_name`, rawName);
    if (equals !== -1) {
      list.add(`${prefix}.${name}`, pair.slice(equals + 1));
    }
  }
}

/**
 * Yields the parts of `text` between separators, one at a time. A header
 * of 50,000 cookies split at once took about 6 ms, though the list keeps
 * at most MAX_VALUES of them.
 */
function* pieces(text: string, separator: string): Generator<string> {
  let start = 0;
  for (let end = text.indexOf(separator); end !== -1; end = text.indexOf(separator, start)) {
    yield text.slice(start, end);
    start = end + separator.length;
  }
  yield text.slice(start);
}

function addBody(list: ValueList, request: RequestFacts): void {
  const body = request.body;
  const bytes = body === null ? null : readableBytes(body);
  if (body === null || bytes === null || bytes.length === 0) {
    return;
  }
  const text = bytes.subarray(0, MAX_BODY_BYTES).toString('utf8');
  const contentTypeHeader = headerValue(request.headers, 'content-type');
  addBodyText(list, text, contentTypeHeader);

  // Text in the encoded bytes themselves is read as well, since an upstream
  // that ignores content-encoding reads it and the decoding does not.
  const undecoded = encodedText(body, MAX_BODY_BYTES);
  if (undecoded !== null && undecoded !== text) {
    addBodyText(list, undecoded, contentTypeHeader);
  }
}

function addBodyText(list: ValueList, text: string, contentTypeHeader: string): void {
  const contentType = contentTypeHeader.toLowerCase();

  if (contentType.includes('json') || (contentType === '' && /^\s*[[{]/.test(text))) {
    if (addJson(list, text)) {
      return;
    }
  }
  if (contentType.startsWith('multipart/')) {
    addMultipart(list, text, contentTypeHeader);
    return;
  }
  if (contentType.includes('xml') || /^\s*<\?xml\b/.test(text)) {
    addXml(list, text);
    return;
  }
  if (contentType.includes('x-www-form-urlencoded')) {
    addPairs(list, 'body', text);
    return;
  }
  list.add('body', text);
}

function addJson(list: ValueList, text: string): boolean {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return false;
  }
  walkJson(list, document, 'body', 0);
  return true;
}

// Numbers, booleans and null carry no payload, so no location is built for
// them. With a loop in place of Object.entries, this took requestValues from
// 3.9 to 2.9 µs on the typical request of bench/detection.
function walkJson(list: ValueList, node: unknown, location: string, depth: number): void {
  if (depth > MAX_JSON_DEPTH) {
    return;
  }
  if (typeof node === 'string') {
    list.add(location, node);
  } else if (Array.isArray(node)) {
    for (const item of node) {
      walkJson(list, item, location, depth + 1);
    }
  } else if (node !== null && typeof node === 'object') {
    const fields = node as Record<string, unknown>;
    for (const key in fields) {
      list.add('body_name', key);
      const value = fields[key];
      if (typeof value === 'string' || (value !== null && typeof value === 'object')) {
        walkJson(list, value, `${location}.${key}`, depth + 1);
      }
    }
  }
}

// RFC 7578 multipart/form-data: each part's headers (name, filename) and
// its content are inspected. A body without a usable boundary is inspected whole.
function addMultipart(list: ValueList, text: string, contentType: string): void {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary === null ? undefined : `--${boundary[1] ?? boundary[2]}`;
  if (delimiter === undefined) {
    list.add('body', text);
    return;
  }

  const parts = text.split(delimiter).slice(1, MAX_MULTIPART_PARTS + 1);
  for (const part of parts) {
    const headEnd = part.indexOf('\r\n\r\n');
    const head = headEnd === -1 ? part : part.slice(0, headEnd);
    const content = headEnd === -1 ? '' : part.slice(headEnd + 4).replace(/\r\n$/, '');
    const name = /\bname="([^"]*)"/i.exec(head)?.[1] ?? 'part';
    const filename = /\bfilename="([^"]*)"/i.exec(head)?.[1];

    list.add('multipart_headers', head.trim());
    if (filename !== undefined) {
      list.add(`multipart_filename.${name}`, filename);
    }
    list.add(`body.${name}`, content);
  }
}

// XML: attribute values and text content, with entities resolved by the
// decoders later, as an application reads them. Element and attribute names
// are markup, not data: flagging `<java.lang.Runtime>` as an attack would
// flag every document that names a class, so they are left out.
// NOTE: XStream reads element names as class names, so a gadget spelled as
// element names only is missed; its `class` attributes and text still count.
// The prolog (DOCTYPE, entities, processing instructions before the root
// element) is kept whole, for XXE and PHP tags in the markup itself.
// Each scan reads the body once: an attribute name starts only where a run
// of name characters starts, and text and markup are searched only up to
// the last `<` or `>` that can close them. Scans from every character of a
// run read the rest of it, so requestValues took 2 s for 64 KiB of `a`
// and 5 s for `--`.
const XML_ATTRIBUTE = /(?<![\w:.-])([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const XML_TEXT = />([^<]+)</g;
const XML_MARKUP = /<[?!][^>]*>/g;
const XML_PROLOG_END = /<[A-Za-z_]/;

function addXml(list: ValueList, text: string): void {
  const rootStart = text.search(XML_PROLOG_END);
  const prolog = rootStart === -1 ? text : text.slice(0, rootStart);
  if (!/^\s*<\?xml\s+version\s*=\s*["'][\d.]+["'][^>]*\?>\s*$/.test(prolog)) {
    list.add('body.prolog', prolog);
  }
  for (const match of text.matchAll(XML_ATTRIBUTE)) {
    list.add(`body.@${match[1]!}`, match[2] ?? match[3] ?? '');
  }
  for (const match of text.slice(0, text.lastIndexOf('<') + 1).matchAll(XML_TEXT)) {
    list.add('body.text', match[1]!);
  }
  const markup = rootStart === -1 ? '' : text.slice(rootStart, text.lastIndexOf('>') + 1);
  for (const declaration of markup.matchAll(XML_MARKUP)) {
    list.add('body.markup', declaration[0]);
  }
}

function headerValue(headers: HeaderList, name: string): string {
  for (const [headerName, value] of headers) {
    if (headerName === name) {
      return value;
    }
  }
  return '';
}
