// A bare ext_proc stream for tests that must send what Envoy never would:
// arbitrary bytes, phases out of order, messages after the end.
import { Client, credentials, Metadata, type ClientDuplexStream, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { decodeResponse, encodeRequest, PROCESS_METHOD_PATH } from '../../src/protocol/codec.js';
import type { ProcessingRequest, ProcessingResponse } from '../../src/protocol/messages.js';

export interface RawStream {
  /** Sends raw bytes as one gRPC message. */
  sendBytes(bytes: Buffer): void;
  send(message: ProcessingRequest): void;
  /** Resolves with the next reply, or rejects after `timeoutMs`. */
  nextReply(timeoutMs?: number): Promise<ProcessingResponse>;
  replies: ProcessingResponse[];
  /** Resolves with the final status of the stream. */
  status: Promise<StatusObject>;
  halfClose(): void;
  cancel(): void;
}

export function openClient(target: string): Client {
  return new Client(target, credentials.createInsecure());
}

export function openRawStream(client: Client): RawStream {
  const call: ClientDuplexStream<Buffer, Buffer> = client.makeBidiStreamRequest(
    PROCESS_METHOD_PATH,
    (value: Buffer) => value,
    (bytes: Buffer) => bytes,
    new Metadata(),
  );
  const replies: ProcessingResponse[] = [];
  const waiters: Array<(reply: ProcessingResponse) => void> = [];

  call.on('data', (bytes: Buffer) => {
    const reply = decodeResponse(bytes);
    replies.push(reply);
    waiters.shift()?.(reply);
  });
  const status = new Promise<StatusObject>((resolve) => {
    call.on('status', resolve);
    call.on('error', (error: ServiceError) => resolve({ code: error.code, details: error.details, metadata: error.metadata }));
  });
  let consumed = 0;

  return {
    sendBytes: (bytes) => call.write(bytes),
    send: (message) => call.write(encodeRequest(message)),
    nextReply: (timeoutMs = 1000) => {
      if (consumed < replies.length) {
        return Promise.resolve(replies[consumed++]!);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((reply) => {
          clearTimeout(timer);
          consumed += 1;
          resolve(reply);
        });
      });
    },
    replies,
    status,
    halfClose: () => call.end(),
    cancel: () => call.cancel(),
  };
}

/** Builds a request_headers message with values in raw_value, as Envoy sends them. */
export function requestHeaders(headers: Array<[string, string]>, endOfStream = true): ProcessingRequest {
  return {
    request_headers: {
      headers: { headers: headers.map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) },
      end_of_stream: endOfStream,
    },
  };
}

/** Builds a response_headers message with values in raw_value. */
export function responseHeaders(headers: Array<[string, string]>, endOfStream = true): ProcessingRequest {
  return {
    response_headers: {
      headers: { headers: headers.map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) },
      end_of_stream: endOfStream,
    },
  };
}

export const GET_HEADERS: Array<[string, string]> = [
  [':method', 'GET'],
  [':path', '/orders/7'],
  [':authority', 'shop.example'],
  [':scheme', 'https'],
  ['user-agent', 'test-agent'],
  ['x-request-id', 'req-1'],
];

/** Request headers of a binary upload, whose body the tests stream in chunks. */
export const POST_HEADERS: Array<[string, string]> = [
  [':method', 'POST'],
  [':path', '/upload'],
  [':authority', 'shop.example'],
  [':scheme', 'https'],
  ['content-type', 'application/octet-stream'],
];
