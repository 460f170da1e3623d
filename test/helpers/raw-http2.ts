// An HTTP/2 client built from raw frames (RFC 9113), for tests that must
// send a frame sequence Node's own client never sends. Node's
// ClientHttp2Stream.close() half-closes the stream before it resets it,
// while Envoy resets an ext_proc stream with RST_STREAM alone.
import net from 'node:net';
import { PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME_HEADER_BYTES = 9;

export const FrameType = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4 } as const;

const END_STREAM = 0x1;
const END_HEADERS = 0x4;

/**
 * RST_STREAM error code NO_ERROR, the one Envoy sends when it ends a stream
 * itself (reasonToReset in Envoy's source/common/http/http2/codec_impl.cc).
 */
export const NO_ERROR = 0;

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** Encodes one frame: a 9-byte header, then the payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** Encodes the request headers of an ext_proc call as HPACK literals without indexing; names and values stay under 127 bytes. */
function processCallHeaderBlock(): Buffer {
  const fields: Array<[string, string]> = [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', PROCESS_METHOD_PATH],
    [':authority', 'ctxproc'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
  return Buffer.concat(fields.map(([name, value]) => Buffer.concat([Buffer.from([0, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)])));
}

export interface RawConnection {
  /** Opens an ext_proc call on `streamId` (odd) without ending it. */
  openProcessCall(streamId: number): void;
  /** Sends DATA on `streamId`, with END_STREAM when `end` is true. */
  sendData(streamId: number, bytes: Buffer, end?: boolean): void;
  sendReset(streamId: number, code: number): void;
  /** Sends bytes as they are, such as a frame that HTTP/2 forbids. */
  sendRaw(bytes: Buffer): void;
  /** Resolves with the first received frame that `match` accepts, or rejects after `timeoutMs`. */
  nextFrame(match: (frame: ReceivedFrame) => boolean, timeoutMs: number): Promise<ReceivedFrame>;
  close(): void;
}

/** Connects to host:port, then sends the connection preface and an empty SETTINGS frame. */
export function connectRaw(target: string): Promise<RawConnection> {
  const [host, port] = splitTarget(target);
  const socket = net.connect(port, host);
  const received: ReceivedFrame[] = [];
  const waiters: Array<() => void> = [];
  let buffered = Buffer.alloc(0);

  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= FRAME_HEADER_BYTES && buffered.length >= FRAME_HEADER_BYTES + buffered.readUIntBE(0, 3)) {
      const length = buffered.readUIntBE(0, 3);
      received.push({ type: buffered[3]!, flags: buffered[4]!, streamId: buffered.readUInt32BE(5) & 0x7fffffff, payload: buffered.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length) });
      buffered = buffered.subarray(FRAME_HEADER_BYTES + length);
    }
    for (const waiter of waiters.splice(0)) {
      waiter();
    }
  });
  socket.on('error', () => {});

  const connection: RawConnection = {
    openProcessCall: (streamId) => socket.write(frame(FrameType.HEADERS, END_HEADERS, streamId, processCallHeaderBlock())),
    sendData: (streamId, bytes, end = false) => socket.write(frame(FrameType.DATA, end ? END_STREAM : 0, streamId, bytes)),
    sendReset: (streamId, code) => {
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(code);
      socket.write(frame(FrameType.RST_STREAM, 0, streamId, payload));
    },
    sendRaw: (bytes) => socket.write(bytes),
    nextFrame: (match, timeoutMs) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching HTTP/2 frame within ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        const found = received.find(match);
        if (found === undefined) {
          waiters.push(check);
          return;
        }
        clearTimeout(timer);
        resolve(found);
      };
      check();
    }),
    close: () => socket.destroy(),
  };

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(Buffer.concat([PREFACE, frame(FrameType.SETTINGS, 0, 0)]));
      resolve(connection);
    });
  });
}

function splitTarget(target: string): [string, number] {
  const colon = target.lastIndexOf(':');
  return [target.slice(0, colon), Number(target.slice(colon + 1))];
}
