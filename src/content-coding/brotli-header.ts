// Reads the start of a br stream (RFC 7932): its window size and, when the
// stream ends in its first compressed meta-block, the stream's length. One
// decoding pass costs about as much as the ring buffer the decoder fills
// before its first output, which is the window, or less for such a stream.

/** Facts from the first bytes of a br stream that bound the cost of decoding it. */
export interface BrotliHeader {
  /** WBITS, the log2 of the window in bytes; null for the large-window extension. */
  windowBits: number | null;
  /**
   * Uncompressed bytes of the stream when its first compressed meta-block is
   * marked last (uncompressed meta-blocks may come before it), else null.
   */
  onlyMetaBlockBytes: number | null;
}

/** Reads bits least significant first, as br packs them; reads past the end as 0. */
class BitReader {
  #position = 0;

  constructor(private readonly input: Buffer) {}

  /** Skips to the next byte boundary, then `bytes` whole bytes; returns false when that passes the end. */
  skipBytes(bytes: number): boolean {
    this.#position = Math.ceil(this.#position / 8) * 8 + bytes * 8;
    return this.#position <= this.input.length * 8;
  }

  read(count: number): number {
    let value = 0;
    for (let index = 0; index < count; index += 1) {
      const byte = this.input[this.#position >> 3] ?? 0;
      value += ((byte >> (this.#position & 7)) & 1) * 2 ** index;
      this.#position += 1;
    }
    return value;
  }
}

/** Reads the stream header (RFC 7932, 9.1) and the first meta-block header (9.2) of `input`. */
export function readBrotliHeader(input: Buffer): BrotliHeader {
  const bits = new BitReader(input);
  const windowBits = readWindowBits(bits);
  if (windowBits === null) {
    return { windowBits, onlyMetaBlockBytes: null };
  }

  return { windowBits, onlyMetaBlockBytes: bytesUpToFirstCompressedBlock(bits) };
}

/** Meta-blocks read at most before the length is called unknown. */
const MAX_META_BLOCKS = 64;

/**
 * Returns the stream's uncompressed length when its meta-blocks, read in
 * order, are uncompressed until one that is marked last. Returns null when
 * a compressed meta-block is not the last, or for a metadata block.
 * Encoders put incompressible data, such as a compressed file, in
 * uncompressed meta-blocks, which cannot be marked last.
 */
function bytesUpToFirstCompressedBlock(bits: BitReader): number | null {
  let total = 0;
  for (let block = 0; block < MAX_META_BLOCKS; block += 1) {
    const isLast = bits.read(1) === 1;
    if (isLast && bits.read(1) === 1) {
      return total;
    }
    const nibbles = bits.read(2);
    // MNIBBLES of 3 marks a metadata block, whose length tells nothing of the output.
    if (nibbles === 3) {
      return null;
    }
    const length = bits.read((nibbles + 4) * 4) + 1;
    if (isLast) {
      return total + length;
    }
    if (bits.read(1) === 0 || !bits.skipBytes(length)) {
      return null;
    }
    total += length;
  }
  return null;
}

/** Returns the log2 of the ring buffer a decoder fills for this stream: the window, or the rounded-up length of its only meta-block when smaller. */
export function ringBufferBits(header: BrotliHeader & { windowBits: number }): number {
  if (header.onlyMetaBlockBytes === null) {
    return header.windowBits;
  }
  return Math.min(header.windowBits, Math.ceil(Math.log2(Math.max(header.onlyMetaBlockBytes, 2))));
}

function readWindowBits(bits: BitReader): number | null {
  if (bits.read(1) === 0) {
    return 16;
  }

  const high = bits.read(3);
  if (high !== 0) {
    return 17 + high;
  }

  const low = bits.read(3);
  if (low === 1) {
    return null;
  }
  return low === 0 ? 17 : 8 + low;
}
