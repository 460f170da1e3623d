// Decodes a captured body through every content coding its headers name, so
// that rules, detectors and events read what the upstream will read.
import { knownCoding, MAX_CODINGS, type KnownCoding } from './codings.js';
import { decodeStep } from './bounded-decode.js';

/** Outcome of decoding, also the `result` label of ctxproc_body_decodes_total. */
export type DecodeResult = 'decoded' | 'truncated' | 'failed' | 'unsupported';

export interface BodyDecoding {
  /** The codings as the headers named them, in the order they were applied. */
  codings: readonly string[];
  result: DecodeResult;
  /** The decoded bytes, at most the body limit, or null when readers get the encoded bytes. */
  bytes: Buffer | null;
  /** Max decoded bytes, the body limit. */
  limitBytes: number;
  /** True when the decoded output reached the body limit and the rest was not decoded. */
  outputCut: boolean;
  /** True when the encoded bytes were cut, at the body limit or by a stream that ended early. */
  inputCut: boolean;
  /** The decoder's error message when result is `failed`, or the reason a body was not decoded when `unsupported`. */
  reason: string | null;
  /** Seconds the decoding took on the thread that ran it, set by that reader; it blocks that thread all along. */
  seconds?: number;
}

/**
 * Decodes `encoded` through `codings` (as applied, so the last is undone
 * first), with every layer's output bounded by `maxBytes`. An unknown coding
 * or more than MAX_CODINGS leaves the body encoded. A layer that fails after
 * some output yields that output, because an upstream that decodes as it
 * reads may act on it.
 */
export function decodeBody(encoded: Buffer, codings: readonly string[], maxBytes: number, inputCut: boolean): BodyDecoding {
  const known = knownCodings(codings);
  if (typeof known === 'string') {
    return { codings, result: 'unsupported', bytes: null, limitBytes: maxBytes, outputCut: false, inputCut, reason: known };
  }

  let bytes = encoded;
  let outputCut = false;
  for (let index = known.length - 1; index >= 0; index -= 1) {
    const step = decodeStep(known[index]!, bytes, maxBytes);
    if (step.stop?.kind === 'error') {
      const partial = step.bytes.length > 0 ? ownMemory(step.bytes) : null;
      return { codings, result: 'failed', bytes: partial, limitBytes: maxBytes, outputCut, inputCut, reason: step.stop.message };
    }
    outputCut ||= step.stop?.kind === 'output_limit';
    bytes = step.bytes;
  }

  const result = outputCut || inputCut ? 'truncated' : 'decoded';
  return { codings, result, bytes: ownMemory(bytes), limitBytes: maxBytes, outputCut, inputCut, reason: null };
}

/** Returns the known codings, or the reason the list cannot be decoded. */
function knownCodings(codings: readonly string[]): KnownCoding[] | string {
  if (codings.length > MAX_CODINGS) {
    return `more than ${MAX_CODINGS} content codings`;
  }
  const known: KnownCoding[] = [];
  for (const coding of codings) {
    const name = knownCoding(coding);
    if (name === undefined) {
      return `unknown content coding`;
    }
    known.push(name);
  }
  return known;
}

/**
 * Copies the output into a buffer of its own when it is a view of a larger
 * one. zlib's sync output is a slice of its 16 KiB output chunk, or under
 * 4 KiB of Node's shared Buffer pool, and the decoded body lives as long as
 * its transaction, which would keep that whole memory alive.
 */
function ownMemory(bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) {
    return bytes;
  }
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}
