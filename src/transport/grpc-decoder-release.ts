// Lets the memory of a received message go once grpc-js has decoded it.
//
// grpc-js 1.14's StreamDecoder keeps the HTTP/2 chunks of the last complete
// message in readPartialMessage until the next message starts, so a stream
// that sent one large message and then went quiet (a client that keeps
// streams open) kept the whole message alive: about 1 MiB per stream for a
// 1 MiB body chunk, where ctxproc itself keeps at most --body-limit. This
// adapter empties that list after every write that ends on a message
// boundary. A grpc-js release without these fields is left alone, and
// test/service/held-stream-memory.test.ts fails on it.
interface StreamDecoderFields {
  readState?: number;
  readPartialMessage?: unknown[];
  readCompressFlag?: Buffer;
  write?: (data: Buffer) => Buffer[];
}

/** grpc-js's ReadState.NO_DATA: between messages. */
const NO_DATA = 0;

/** Stands in for the last message's compression flag; grpc-js replaces it, never writes into it. */
const NO_FLAG = Buffer.alloc(1);

/** Makes the grpc-js decoder of `duplex` drop its chunks as soon as each message is complete. */
export function releaseDecodedChunks(duplex: unknown): void {
  const decoder = (duplex as { call?: { decoder?: StreamDecoderFields } }).call?.decoder;
  const write = decoder?.write;
  if (!decoder || typeof write !== 'function' || !Array.isArray(decoder.readPartialMessage)) {
    return;
  }

  decoder.write = function releasingWrite(this: StreamDecoderFields, data: Buffer): Buffer[] {
    const messages = write.call(this, data);
    if (this.readState === NO_DATA) {
      this.readPartialMessage = [];
      // A 1-byte view of the last chunk, which would keep that chunk alive.
      this.readCompressFlag = NO_FLAG;
    }
    return messages;
  };
}
