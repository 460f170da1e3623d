// Loads ctxproc's own ext_proc protos once and exposes the message codecs and
// the grpc-js service definition built from them.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { ProcessingRequest, ProcessingResponse } from './messages.js';

const PROTO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proto');
const SERVICE_FILE = 'envoy/service/ext_proc/v3/external_processor.proto';

export const PROCESS_METHOD_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';

/** Returns the directory that contains the project's .proto files. */
export function protoRoot(): string {
  return PROTO_ROOT;
}

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();

  // Imports are written relative to proto/, as protoc would resolve them;
  // google/protobuf/* come from protobufjs's bundled well-known types.
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('google/protobuf/')) {
      return target;
    }
    return path.join(PROTO_ROOT, target);
  };
  root.loadSync(SERVICE_FILE, { keepCase: true });
  root.resolveAll();
  return root;
}

export const root = loadRoot();

export const ProcessingRequestType = root.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
export const ProcessingResponseType = root.lookupType('envoy.service.ext_proc.v3.ProcessingResponse');

/** Decodes one ProcessingRequest; throws protobufjs's error on malformed bytes. */
export function decodeRequest(bytes: Buffer): ProcessingRequest {
  return ProcessingRequestType.decode(bytes) as unknown as ProcessingRequest;
}

/** Decodes one ProcessingResponse; throws protobufjs's error on malformed bytes. */
export function decodeResponse(bytes: Buffer): ProcessingResponse {
  return ProcessingResponseType.decode(bytes) as unknown as ProcessingResponse;
}

/** Encodes a plain ProcessingResponse object (fields as in the proto, snake_case). */
export function encodeResponse(message: ProcessingResponse): Buffer {
  return asBuffer(ProcessingResponseType.encode(ProcessingResponseType.fromObject(message)).finish());
}

/**
 * Encodes a ProcessingResponse whose values already have the types
 * protobufjs writes: Buffers or Uint8Arrays for bytes, numbers for enums,
 * Struct values with camelCase kinds. It skips fromObject's conversion, which
 * took a quarter of the time of encoding a reply with dynamic metadata
 * (3.0 against 2.3 µs, one pinned core).
 */
export function encodeTypedResponse(message: ProcessingResponse): Buffer {
  return asBuffer(ProcessingResponseType.encode(message).finish());
}

/** Encodes a plain ProcessingRequest object (fields as in the proto, snake_case). */
export function encodeRequest(message: ProcessingRequest): Buffer {
  return asBuffer(ProcessingRequestType.encode(ProcessingRequestType.fromObject(message)).finish());
}

/** Returns encoded bytes as a Buffer. protobufjs's writer already returns one in Node, which needs no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * The ExternalProcessor service for grpc-js, moving raw bytes. grpc-js turns a
 * deserializer exception into an INTERNAL status that never reaches the handler,
 * so the session decodes each message itself and can count and report an
 * undecodable one with its own error code.
 */
export const rawProcessService: ServiceDefinition = {
  Process: {
    path: PROCESS_METHOD_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
    originalName: 'process',
  },
};
