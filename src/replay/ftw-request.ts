// Builds the raw bytes that go-ftw would write to the socket for one test
// stage input, so that replay sends what a CRS regression run sends. The
// rules follow go-ftw's ftwhttp/request.go and test/defaults.go.

/** A stage input as it appears in a go-ftw YAML file. */
export type FtwInput = Record<string, unknown>;

export interface FtwRawRequest {
  raw: Buffer;
  /** `http` or `https`, from the input's `protocol`. */
  scheme: string;
}

export interface FtwBuildError {
  reason: string;
  detail: string;
}

// go-ftw's methodsWithBodyRegex, kept as written: its alternation is not
// grouped, so it matches methods that start with POST, contain PUT or PATCH,
// or end with DELETE.
const METHODS_WITH_BODY = /^POST|PUT|PATCH|DELETE$/;

// Go's url.QueryEscape leaves only these bytes as they are.
const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

// A data template beyond this size is not expanded; CRS uses about 64 KiB.
const MAX_TEMPLATE_BYTES = 16 * 1024 * 1024;

/** Builds the raw request for one input; returns an error for input that go-ftw rejects or replay cannot expand. */
export function buildFtwRequest(input: FtwInput): FtwRawRequest | FtwBuildError {
  const scheme = typeof input.protocol === 'string' ? input.protocol.toLowerCase() : 'http';
  const raw = rawRequestOf(input);
  if (raw !== undefined) {
    return 'reason' in raw ? raw : { raw, scheme };
  }

  const data = dataOf(input);
  if (!Buffer.isBuffer(data)) {
    return data;
  }
  return { raw: assemble(input, data), scheme };
}

// encoded_request (base64) and the older raw_request carry the whole request,
// which go-ftw sends unchanged whatever autocomplete_headers is set to.
function rawRequestOf(input: FtwInput): Buffer | FtwBuildError | undefined {
  const encoded = input.encoded_request;
  const plain = input.raw_request;
  if (encoded === undefined && plain === undefined) {
    return undefined;
  }
  if (input.data !== undefined && input.data !== null && input.data !== '') {
    return { reason: 'ftw_bad_input', detail: 'the stage sets both data and a raw request; go-ftw rejects it' };
  }
  if (typeof encoded === 'string') {
    return Buffer.from(encoded, 'base64');
  }
  return Buffer.from(String(plain), 'utf8');
}

function dataOf(input: FtwInput): Buffer | FtwBuildError {
  if (typeof input.encoded_data === 'string' && (input.data === undefined || input.data === null)) {
    return Buffer.from(input.encoded_data, 'base64');
  }

  // The older ftw format lists body lines; they are joined with CRLF.
  const text = Array.isArray(input.data) ? input.data.map(String).join('\r\n') : input.data;
  if (text === undefined || text === null) {
    return Buffer.alloc(0);
  }
  return expandTemplate(String(text));
}

// go-ftw runs `data` through Go's text/template with the sprig functions.
// CRS uses only `repeat`, so only the two spellings of it are expanded here.
const REPEAT_PIPE = /^"((?:[^"\\]|\\.)*)"\s*\|\s*repeat\s+(\d+)$/;
const REPEAT_CALL = /^repeat\s+(\d+)\s+"((?:[^"\\]|\\.)*)"$/;

function expandTemplate(text: string): Buffer | FtwBuildError {
  if (!text.includes('{{')) {
    return Buffer.from(text, 'utf8');
  }

  let failure: FtwBuildError | undefined;
  let size = 0;
  const expanded = text.replace(/(\s*)\{\{(-?)\s*(.*?)\s*(-?)\}\}(\s*)/gs, (_whole, before: string, trimLeft: string, action: string, trimRight: string, after: string) => {
    const value = evaluateAction(action);
    if (value === undefined) {
      failure ??= { reason: 'ftw_unsupported_template', detail: `data template {{${clip(action)}}} uses more than sprig's repeat, which replay does not expand` };
      return '';
    }
    size += value.length;
    return `${trimLeft === '-' ? '' : before}${value}${trimRight === '-' ? '' : after}`;
  });

  if (failure !== undefined) {
    return failure;
  }
  if (size > MAX_TEMPLATE_BYTES) {
    return { reason: 'ftw_template_too_large', detail: `data template expands to ${size} bytes, more than ${MAX_TEMPLATE_BYTES}` };
  }
  return Buffer.from(expanded, 'utf8');
}

function evaluateAction(action: string): string | undefined {
  const pipe = REPEAT_PIPE.exec(action);
  const call = REPEAT_CALL.exec(action);
  const literal = pipe?.[1] ?? call?.[2];
  const count = Number(pipe?.[2] ?? call?.[1]);
  if (literal === undefined || !Number.isSafeInteger(count) || count * literal.length > MAX_TEMPLATE_BYTES) {
    return undefined;
  }
  // Go string literals and JSON share the escapes CRS uses (\" \\ \n \t).
  return (JSON.parse(`"${literal}"`) as string).repeat(count);
}

function assemble(input: FtwInput, data: Buffer): Buffer {
  const method = stringOr(input.method, 'GET');
  const uri = stringOr(input.uri, '/');
  const version = stringOr(input.version, 'HTTP/1.1');
  const headers = headersOf(input.headers);
  const autocomplete = autocompleteOf(input);

  let body = data;
  if (body.length > 0 && autocomplete) {
    addIfMissing(headers, 'Content-Type', 'application/x-www-form-urlencoded');
    if (findHeader(headers, 'Content-Type') === 'application/x-www-form-urlencoded') {
      body = encodeFormData(body);
    }
  }

  // go-ftw turns every LF of a multipart body into CRLF, even one that
  // already follows a CR.
  if ((findHeader(headers, 'Content-Type') ?? '').startsWith('multipart/form-data;')) {
    body = Buffer.from(body.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
  }

  if (autocomplete) {
    addIfMissing(headers, 'Connection', 'close');
    if (body.length > 0 || METHODS_WITH_BODY.test(method)) {
      addIfMissing(headers, 'Content-Length', String(body.length));
    }
  }

  const head = [`${method} ${uri} ${version}\r\n`];
  for (const name of [...headers.keys()].sort()) {
    head.push(`${name}: ${headers.get(name)}\r\n`);
  }
  head.push('\r\n');
  return Buffer.concat([Buffer.from(head.join(''), 'utf8'), body]);
}

function stringOr(value: unknown, fallback: string): string {
  return value === undefined || value === null ? fallback : String(value);
}

function headersOf(value: unknown): Map<string, string> {
  const headers = new Map<string, string>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return headers;
  }
  for (const [name, headerValue] of Object.entries(value)) {
    headers.set(name, headerValue === null || headerValue === undefined ? '' : String(headerValue));
  }
  return headers;
}

// autocomplete_headers defaults to true; stop_magic and
// no_autocomplete_headers are its older, inverted spellings.
function autocompleteOf(input: FtwInput): boolean {
  if (input.autocomplete_headers === false) {
    return false;
  }
  return input.stop_magic !== true && input.no_autocomplete_headers !== true;
}

// go-ftw's header map compares names case-sensitively, so a test that writes
// `content-type` would get a second Content-Type from go-ftw.
// NOTE: this lookup ignores case, so such a test gets only its own header.
function findHeader(headers: Map<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of headers) {
    if (key.toLowerCase() === lower) {
      return value;
    }
  }
  return undefined;
}

// go-ftw's Header.Add also replaces a header whose value is empty.
function addIfMissing(headers: Map<string, string>, name: string, value: string): void {
  const current = findHeader(headers, name);
  if (current !== undefined && current !== '') {
    return;
  }
  for (const key of headers.keys()) {
    if (key.toLowerCase() === name.toLowerCase()) {
      headers.delete(key);
    }
  }
  headers.set(name, value);
}

// go-ftw's encodeDataParameters: data that Go's url.QueryUnescape leaves
// unchanged (no '%' and no '+') is taken as unencoded key=value pairs, and
// each key and value is escaped with url.QueryEscape.
function encodeFormData(data: Buffer): Buffer {
  const text = data.toString('utf8');
  if (text.includes('%') || text.includes('+')) {
    return data;
  }
  // go-ftw's loop stops when no bytes remain, so a trailing '&' yields no empty pair.
  const tokens = text.split('&');
  if (text.endsWith('&')) {
    tokens.pop();
  }
  const pairs = tokens.map((token) => {
    const equals = token.indexOf('=');
    if (equals === -1) {
      return queryEscape(token);
    }
    return `${queryEscape(token.slice(0, equals))}=${queryEscape(token.slice(equals + 1))}`;
  });
  return Buffer.from(pairs.join('&'), 'utf8');
}

function queryEscape(text: string): string {
  let escaped = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (UNRESERVED.test(char)) {
      escaped += char;
    } else if (byte === 0x20) {
      escaped += '+';
    } else {
      escaped += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return escaped;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
