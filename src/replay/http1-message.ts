// A lenient reader of one raw HTTP/1 request: it splits the bytes into a
// request line, header lines and body as Envoy's HTTP/1 parser (quiche balsa)
// reads them, and leaves every accept-or-reject decision to http1-admission.ts.

/**
 * One raw request, split but not judged. Text fields are byte strings: one
 * character per byte (latin1), which is how the client stores header values,
 * so bytes that are not UTF-8 reach ext_proc unchanged.
 */
export interface Http1Message {
  method: string;
  /** The request-target as sent: origin-form, absolute-form or `*`. */
  target: string;
  /** The third request-line field, e.g. `HTTP/1.1`; empty when absent. */
  version: string;
  /** Header names as sent, values with surrounding whitespace removed. */
  headers: Array<[string, string]>;
  /** Bytes of the request line and header lines, line ends included. */
  headerBytes: number;
  /** Bytes after the blank line that ends the headers. */
  rest: Buffer;
}

/** Reason a raw request could not be split. */
export interface Http1ReadError {
  reason: string;
  detail: string;
}

// Balsa's invalid header characters (quiche header_properties,
// kInvalidHeaderCharList): controls other than HTAB, LF and CR, and DEL.
// Envoy sets InvalidCharsLevel::kError, so one of them rejects the request.
const INVALID_HEADER_BYTES = new Set([
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0b, 0x0c, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
  0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x7f,
]);

const LF = 0x0a;
const CR = 0x0d;

/** Splits a raw request; returns an error when Envoy's parser would stop on it. */
export function readHttp1Message(raw: Buffer): Http1Message | Http1ReadError {
  const start = skipLeadingLineEnds(raw);
  const end = findHeaderEnd(raw, start);
  if (end === null) {
    return { reason: 'http1_incomplete_headers', detail: 'the request has no blank line after its headers, so Envoy would wait for more bytes' };
  }

  const block = raw.subarray(start, end.headersEnd);
  const invalid = block.findIndex((byte) => INVALID_HEADER_BYTES.has(byte));
  if (invalid !== -1) {
    const code = block[invalid]!.toString(16).padStart(2, '0');
    return { reason: 'http1_invalid_characters', detail: `byte 0x${code} in the request head; Envoy responds with 400` };
  }

  const lines = splitLines(block.toString('latin1'));
  const requestLine = splitRequestLine(lines[0] ?? '');
  const headers = readHeaderLines(lines.slice(1));
  if ('reason' in headers) {
    return headers;
  }
  return {
    ...requestLine,
    headers,
    headerBytes: end.bodyStart - start,
    rest: raw.subarray(end.bodyStart),
  };
}

// RFC 9112 section 2.2: a server SHOULD ignore at least one empty line
// received before the request-line; balsa skips any number of them.
function skipLeadingLineEnds(raw: Buffer): number {
  let index = 0;
  while (index < raw.length && (raw[index] === CR || raw[index] === LF)) {
    index += 1;
  }
  return index;
}

// Balsa accepts bare LF line ends, so the head ends at the first empty line
// whichever of CRLF or LF ends it.
function findHeaderEnd(raw: Buffer, start: number): { headersEnd: number; bodyStart: number } | null {
  let lineStart = start;
  for (let index = start; index < raw.length; index += 1) {
    if (raw[index] !== LF) {
      continue;
    }
    const lineLength = index - lineStart;
    const emptyLine = lineLength === 0 || (lineLength === 1 && raw[lineStart] === CR);
    if (emptyLine && lineStart > start) {
      return { headersEnd: lineStart, bodyStart: index + 1 };
    }
    lineStart = index + 1;
  }
  return null;
}

function splitLines(block: string): string[] {
  const lines = block.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.at(-1) === '') {
    lines.pop();
  }
  return lines;
}

// Balsa splits the request line on runs of spaces or tabs: method, target,
// then the remainder as the version (which fails validation if it contains
// another space).
function splitRequestLine(line: string): { method: string; target: string; version: string } {
  const match = /^([^ \t]*)[ \t]*([^ \t]*)[ \t]*(.*?)[ \t]*$/.exec(line);
  return {
    method: match?.[1] ?? '',
    target: match?.[2] ?? '',
    version: match?.[3] ?? '',
  };
}

function readHeaderLines(lines: string[]): Array<[string, string]> | Http1ReadError {
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    const previous = headers.at(-1);

    // Envoy leaves disallow_header_continuation_lines off, so an obs-fold
    // line continues the previous value; Envoy then drops the CR and LF.
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (previous === undefined) {
        return { reason: 'http1_invalid_header', detail: 'the first header line starts with whitespace; Envoy responds with 400' };
      }
      previous[1] = `${previous[1]}${line}`.replace(/[ \t]+$/, '');
      continue;
    }

    // Envoy sets require_header_colon, so a line without one is an error.
    const colon = line.indexOf(':');
    if (colon === -1) {
      return { reason: 'http1_invalid_header', detail: `header line ${JSON.stringify(clip(line))} has no colon; Envoy responds with 400` };
    }
    headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  return headers;
}

/** The body framing that the headers declare. */
export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

/** A body read from the bytes after the head. */
export interface BodyRead {
  body: Buffer;
  /** Bytes after the body; Envoy would parse them as the next request. */
  leftover: number;
}

/** Reads the body that `framing` declares from `rest`; returns an error when incomplete or malformed. */
export function readBody(rest: Buffer, framing: BodyFraming): BodyRead | Http1ReadError {
  switch (framing.kind) {
    case 'none':
      return { body: Buffer.alloc(0), leftover: rest.length };
    case 'length':
      if (rest.length < framing.length) {
        return {
          reason: 'http1_incomplete_body',
          detail: `Content-Length is ${framing.length} but only ${rest.length} body bytes follow, so Envoy would wait for the rest`,
        };
      }
      return { body: rest.subarray(0, framing.length), leftover: rest.length - framing.length };
    case 'chunked':
      return readChunkedBody(rest);
  }
}

// RFC 9112 section 7.1. Chunk extensions are ignored and trailers are read
// and dropped, because Envoy's http1 enable_trailers defaults to false.
function readChunkedBody(rest: Buffer): BodyRead | Http1ReadError {
  const chunks: Buffer[] = [];
  let offset = 0;

  for (;;) {
    const lineEnd = rest.indexOf(LF, offset);
    if (lineEnd === -1) {
      return incompleteChunked();
    }
    const sizeLine = rest.subarray(offset, lineEnd).toString('latin1').replace(/\r$/, '');
    const sizeText = sizeLine.split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,15}$/.test(sizeText)) {
      return { reason: 'http1_invalid_chunk_size', detail: `chunk size ${JSON.stringify(clip(sizeLine))} is not hexadecimal; Envoy responds with 400` };
    }
    const size = Number.parseInt(sizeText, 16);
    offset = lineEnd + 1;

    if (size === 0) {
      const trailerEnd = findTrailerEnd(rest, offset);
      return trailerEnd === null ? incompleteChunked() : { body: Buffer.concat(chunks), leftover: rest.length - trailerEnd };
    }
    if (offset + size > rest.length) {
      return incompleteChunked();
    }
    chunks.push(rest.subarray(offset, offset + size));
    offset = skipLineEnd(rest, offset + size);
  }
}

function findTrailerEnd(rest: Buffer, offset: number): number | null {
  let lineStart = offset;
  while (lineStart <= rest.length) {
    const lineEnd = rest.indexOf(LF, lineStart);
    if (lineEnd === -1) {
      return null;
    }
    const line = rest.subarray(lineStart, lineEnd);
    if (line.length === 0 || (line.length === 1 && line[0] === CR)) {
      return lineEnd + 1;
    }
    lineStart = lineEnd + 1;
  }
  return null;
}

function skipLineEnd(rest: Buffer, offset: number): number {
  if (rest[offset] === CR) {
    offset += 1;
  }
  return rest[offset] === LF ? offset + 1 : offset;
}

function incompleteChunked(): Http1ReadError {
  return { reason: 'http1_incomplete_body', detail: 'the chunked body has no last chunk, so Envoy would wait for more bytes' };
}

/** Reads a byte string (one character per byte) as UTF-8, for messages shown to people. */
export function displayText(byteString: string): string {
  return /[^\x00-\x7f]/.test(byteString) ? Buffer.from(byteString, 'latin1').toString('utf8') : byteString;
}

function clip(byteString: string): string {
  const text = displayText(byteString);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
