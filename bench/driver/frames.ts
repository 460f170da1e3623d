// Counts the gRPC messages in the DATA chunks of one HTTP/2 stream. A chunk
// may hold several messages or part of one, so a split message is kept until
// the rest arrives.

/** Per-stream reading state. */
export interface FrameReader {
  pending: Buffer | null;
}

/** Returns how many whole gRPC messages `chunk` completes. */
export function countMessages(reader: FrameReader, chunk: Buffer): number {
  const data = reader.pending ? Buffer.concat([reader.pending, chunk]) : chunk;
  let offset = 0;
  let count = 0;

  while (data.length - offset >= 5) {
    const length = data.readUInt32BE(offset + 1);
    if (data.length - offset - 5 < length) {
      break;
    }
    offset += 5 + length;
    count += 1;
  }

  reader.pending = offset < data.length ? data.subarray(offset) : null;
  return count;
}
