// Decodes one content coding with Node's zlib, within a bound on the output.
// The input may be cut (at the body limit, or by a stream that ended early),
// so every decoder flushes what it has instead of failing at the end of its
// input. Node's sync decoders return nothing when they fail or pass
// maxOutputLength, so the decodable part is found by decoding prefixes.
import zlib from 'node:zlib';
import type { KnownCoding } from './codings.js';

/** The reason a decoder stopped before the end of its input. */
export type DecodeStop = { kind: 'output_limit' } | { kind: 'error'; message: string };

export interface StepResult {
  /** The decoded bytes, at most the output bound. */
  bytes: Buffer;
  /** Null when the decoder read the whole input. */
  stop: DecodeStop | null;
}

/** A decoder's output and the input bytes it read, which stop at the end of the compressed stream. */
interface Decoded {
  bytes: Buffer;
  consumed: number;
}

type Decoder = (input: Buffer, maxOutputLength: number) => Decoded;

// Z_SYNC_FLUSH and BROTLI_OPERATION_FLUSH make the sync decoders return the
// output of a cut stream, where the default finish flag fails with
// "unexpected end of file".
// NOTE: so a stream that lacks its end although Envoy sent the whole body
// decodes without an error, and is reported as decoded, not truncated.
const ZLIB_FLUSH = zlib.constants.Z_SYNC_FLUSH;
const BROTLI_FLUSH = zlib.constants.BROTLI_OPERATION_FLUSH;

type EngineResult = { buffer: Buffer; engine: { bytesWritten: number } };

/** Reads what a sync decoder called with `info: true` returns. */
function decoded(result: unknown): Decoded {
  const { buffer, engine } = result as EngineResult;
  return { bytes: buffer, consumed: engine.bytesWritten };
}

const DECODERS: Readonly<Record<KnownCoding, Decoder>> = {
  gzip: (input, maxOutputLength) => decoded(zlib.gunzipSync(input, { finishFlush: ZLIB_FLUSH, maxOutputLength, info: true })),
  deflate: (input, maxOutputLength) => {
    const inflate = hasZlibHeader(input) ? zlib.inflateSync : zlib.inflateRawSync;
    return decoded(inflate(input, { finishFlush: ZLIB_FLUSH, maxOutputLength, info: true }));
  },
  br: (input, maxOutputLength) => decoded(zlib.brotliDecompressSync(input, { finishFlush: BROTLI_FLUSH, maxOutputLength, info: true })),
};

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Decodes `input` as `coding` into at most `maxBytes` bytes. When the whole
 * input fails or decodes to more than `maxBytes`, it returns the output of
 * the longest input prefix that decodes within the bound, found by binary
 * search. So a zip bomb or a corrupt stream costs at most about
 * log2(input bytes) + 1 decodes, each stopped by zlib once its output passes
 * `maxBytes`.
 *
 * NOTE: the output can fall well short of `maxBytes` when one input byte
 * completes a br copy command of megabytes. The literal bytes decoded before
 * that command are kept.
 */
export function decodeStep(coding: KnownCoding, input: Buffer, maxBytes: number): StepResult {
  if (input.length === 0 || maxBytes <= 0) {
    return { bytes: EMPTY, stop: input.length === 0 ? null : { kind: 'output_limit' } };
  }

  const windowBits = coding === 'br' ? brotliWindowBits(input[0]!) : null;
  if (coding === 'br' && windowBits === null) {
    return { bytes: EMPTY, stop: { kind: 'error', message: 'the br stream uses the large-window extension, which ctxproc does not decode' } };
  }

  const decoder = DECODERS[coding];
  if (windowBits !== null && windowBits > MAX_SEARCHED_BROTLI_WINDOW_BITS) {
    return doublingPrefixes(decoder, withSmallerWindow(input, windowBits, maxBytes), maxBytes);
  }

  const whole = attempt(decoder, input, maxBytes);
  if (whole.bytes !== null) {
    return { bytes: whole.bytes, stop: trailingStop(whole.consumed, input.length) };
  }

  // Invariant: the prefix of `low` bytes decodes within the bound (an empty
  // prefix decodes to nothing), and the prefix of `high` bytes does not.
  let low = 0;
  let high = input.length;
  let bytes: Buffer = EMPTY;
  let stop = whole.stop;
  while (high - low > 1) {
    const middle = low + ((high - low) >>> 1);
    const result = attempt(decoder, input.subarray(0, middle), maxBytes);
    if (result.bytes !== null) {
      low = middle;
      bytes = result.bytes;
    } else {
      high = middle;
      stop = result.stop;
    }
  }
  return { bytes, stop };
}

/** First prefix that doublingPrefixes decodes, in bytes. */
const FIRST_PREFIX_BYTES = 8;

/**
 * Decodes prefixes of 8, 16, 32... bytes up to the whole input, and
 * keeps the output of the last one that decodes within the bound. Only a
 * prefix that reaches a long br copy costs a whole window, and the doubling
 * stops at the first such failure, where a binary search from the whole
 * input would pay that cost at about every other attempt.
 */
function doublingPrefixes(decoder: Decoder, input: Buffer, maxBytes: number): StepResult {
  let bytes: Buffer = EMPTY;
  for (let size = FIRST_PREFIX_BYTES; ; size *= 2) {
    const end = Math.min(size, input.length);
    const result = attempt(decoder, input.subarray(0, end), maxBytes);
    if (result.bytes === null) {
      return { bytes, stop: result.stop };
    }

    bytes = result.bytes;
    if (end === input.length) {
      return { bytes, stop: trailingStop(result.consumed, input.length) };
    }
  }
}

function attempt(decoder: Decoder, input: Buffer, maxBytes: number): { bytes: Buffer; consumed: number; stop: null } | { bytes: null; stop: DecodeStop } {
  try {
    const result = decoder(input, maxBytes);
    return { bytes: result.bytes, consumed: result.consumed, stop: null };
  } catch (error) {
    return { bytes: null, stop: stopOf(error) };
  }
}

/**
 * Reports input left after the end of the compressed stream. Decoders
 * ignore it, but an upstream that ignores the content-encoding label reads
 * it, so it is an error that leaves the bytes for the detectors to read.
 */
function trailingStop(consumed: number, length: number): DecodeStop | null {
  if (consumed >= length) {
    return null;
  }
  return { kind: 'error', message: `${length - consumed} bytes follow the end of the compressed stream` };
}

function stopOf(error: unknown): DecodeStop {
  if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
    return { kind: 'output_limit' };
  }
  return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Largest br window that gets the binary search, as RFC 7932's WBITS. One br
 * pass costs about as much as its window, whatever its maxOutputLength. A
 * br bomb of 27 bytes took 27 ms a pass at a window of 2^24 bytes, 6.7 ms at
 * 2^22 (the encoders' default) and 0.45 ms at 2^18, on Node 24 and one core
 * of the benchmark machine. A larger window is shrunk by withSmallerWindow
 * and then decoded by doubling prefixes, which pays for one window.
 */
const MAX_SEARCHED_BROTLI_WINDOW_BITS = 18;

/** Smallest window withSmallerWindow writes: the smallest with the same 4-bit WBITS code as the larger windows. */
const MIN_REWRITTEN_WINDOW_BITS = 18;

/**
 * Returns `input` with its br window shrunk to the smallest that still
 * fits `maxBytes` of output, or `input` itself when its window is that
 * small already. A backward distance reaches at most min(window - 16,
 * bytes decoded so far) (RFC 7932, sections 4 and 9.1). So the first
 * window - 16 bytes decode the same under the smaller window, and output
 * past `maxBytes` is dropped anyway. The decoder then fills a ring buffer
 * of the smaller window: a br bomb at 2^22 took about 0.5 ms instead of
 * 7 ms.
 */
function withSmallerWindow(input: Buffer, windowBits: number, maxBytes: number): Buffer {
  const needed = Math.max(MIN_REWRITTEN_WINDOW_BITS, Math.ceil(Math.log2(maxBytes + 16)));
  if (needed >= windowBits) {
    return input;
  }

  // WBITS 18 to 24 are coded alike: a 1, then WBITS - 17 in the next 3 bits.
  const rewritten = Buffer.from(input);
  rewritten[0] = (rewritten[0]! & ~0b1110) | ((needed - 17) << 1);
  return rewritten;
}

/** Reads WBITS from a br stream's first byte, least significant bit first; null for the large-window marker. */
function brotliWindowBits(first: number): number | null {
  if ((first & 0b1) === 0) {
    return 16;
  }

  const high = (first >> 1) & 0b111;
  if (high !== 0) {
    return 17 + high;
  }

  const low = (first >> 4) & 0b111;
  if (low === 1) {
    return null;
  }
  return low === 0 ? 17 : 8 + low;
}

/**
 * Returns whether a deflate body starts with a zlib header (RFC 1950: method
 * 8, and the first two bytes as a big-endian number divisible by 31). RFC
 * 9110 defines "deflate" as zlib data, but some clients send raw deflate
 * (RFC 1951), so a body without the header is inflated raw.
 */
function hasZlibHeader(input: Buffer): boolean {
  return input.length >= 2 && (input[0]! & 0x0f) === 8 && input.readUInt16BE(0) % 31 === 0;
}
