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

/** Returns how the body was decoded, or undefined when no reader has read it yet or it is not encoded; never decodes. */
export function bodyDecoding(capture: BodyCapture): BodyDecoding | undefined {
  return decodings.get(capture);
}

function decodingOf(capture: BodyCapture): BodyDecoding {
  let decoding = decodings.get(capture);
  if (decoding === undefined) {
    const encoding = capture.encoding!;
    const inputCut = capture.truncated || !capture.complete;
    decoding = decodeBody(capture.bytes, encoding.codings, encoding.maxDecodedBytes, inputCut);
    decodings.set(capture, decoding);
  }
  return decoding;
}
