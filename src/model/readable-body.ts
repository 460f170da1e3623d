// The bytes of a body as the upstream reads them: decoded from its content
// codings when its headers name any. Decoding runs once per capture, on the
// first read by a rule, a detector or the event, so a transaction whose body
// no reader reads never decodes it. The decoded bytes stay cached with the
// capture, because a body read by the rules is often logged at the end.
import { decodeBody, type BodyDecoding } from '../content-coding/decode-body.js';
import type { BodyCapture } from './exchange.js';

const decodings = new WeakMap<BodyCapture, BodyDecoding>();

/** Returns the decoded bytes of the body, or its captured bytes when it is not encoded or could not be decoded. */
export function readableBytes(capture: BodyCapture): Buffer {
  if (capture.encoding === undefined) {
    return capture.bytes;
  }
  return decodingOf(capture).bytes ?? capture.bytes;
}

/** Returns whether readableBytes contains the whole body, so that parsing it as a document is meaningful. */
export function isWholeBody(capture: BodyCapture): boolean {
  const capturedWhole = capture.complete && !capture.truncated;
  if (capture.encoding === undefined) {
    return capturedWhole;
  }
  const decoding = decodingOf(capture);
  return decoding.bytes === null ? capturedWhole : decoding.result === 'decoded';
}

/** Shortest run of printable ASCII kept from an encoded body's own bytes; compressed data has few runs this long. */
const MIN_TEXT_RUN = 8;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Control characters that never occur in text; tab, line breaks, \v and \f do. */
const NON_TEXT = /[\x00-\x08\x0e-\x1f\x7f]/;

/**
 * Returns the text in an encoded body's own bytes, for detectors, or null.
 * A body that is UTF-8 text throughout is returned whole: a plain body sent
 * under a content-encoding label decodes to garbage, while an upstream that
 * ignores the label reads the text. When decoding failed (bytes after the
 * stream's end included) or the coding is unknown, the runs of at least
 * MIN_TEXT_RUN printable ASCII bytes are returned, one per line, for text
 * around a broken stream. A body that decoded, whole or up to the body
 * limit, gets neither, because runs in compressed data are noise that reads
 * as attacks now and then.
 */
export function encodedText(capture: BodyCapture, maxBytes: number): string | null {
  if (capture.encoding === undefined) {
    return null;
  }

  const bytes = capture.bytes.subarray(0, maxBytes);
  const whole = utf8Text(bytes);
  if (whole !== null) {
    return whole;
  }
  const result = decodingOf(capture).result;
  return result === 'failed' || result === 'unsupported' ? printableRuns(bytes) : null;
}

function utf8Text(bytes: Buffer): string | null {
  try {
    const text = UTF8.decode(bytes);
    return NON_TEXT.test(text) ? null : text;
  } catch {
    return null;
  }
}

function printableRuns(bytes: Buffer): string | null {
  const runs: string[] = [];
  let start = 0;
  for (let index = 0; index <= bytes.length; index += 1) {
    if (index < bytes.length && isTextByte(bytes[index]!)) {
      continue;
    }
    if (index - start >= MIN_TEXT_RUN) {
      runs.push(bytes.toString('latin1', start, index));
    }
    start = index + 1;
  }
  return runs.length === 0 ? null : runs.join('\n');
}

function isTextByte(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || (byte >= 0x09 && byte <= 0x0d);
}

/** Returns how the body was decoded, or undefined when no reader has read it yet or it is not encoded; never decodes. */
export function bodyDecoding(capture: BodyCapture): BodyDecoding | undefined {
  return decodings.get(capture);
}

function decodingOf(capture: BodyCapture): BodyDecoding {
  let decoding = decodings.get(capture);
  if (decoding === undefined) {
    const encoding = capture.encoding!;
    const inputCut = capture.truncated || !capture.complete;
    const started = performance.now();
    decoding = decodeBody(capture.bytes, encoding.codings, encoding.maxDecodedBytes, inputCut);
    decoding.seconds = (performance.now() - started) / 1000;
    decodings.set(capture, decoding);
  }
  return decoding;
}
