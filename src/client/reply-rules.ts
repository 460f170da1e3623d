// Decisions Envoy's ext_proc filter takes on each reply that depend only on
// the reply and the two directions' state: whether it was the last reply
// needed, and how its dynamic_metadata is kept.
import { BodySendMode } from '../protocol/messages.js';
import type { ProcessingResponse } from '../protocol/messages.js';
import { structToJson, type JsonValue } from '../protocol/struct.js';
import type { DirectionState } from './direction-state.js';

/**
 * Tells whether a body reply is the last one of its direction: in STREAMED,
 * the chunk it replies to ended the body, and in FULL_DUPLEX_STREAMED the reply
 * sets end_of_stream. Envoy never treats BUFFERED replies as last.
 */
export function isLastBodyResponse(
  response: ProcessingResponse,
  decoding: DirectionState,
  encoding: DirectionState,
): boolean {
  const isRequest = response.response === 'request_body';
  const direction = isRequest ? decoding : encoding;
  const body = isRequest ? response.request_body : response.response_body;
  if (body === undefined || body === null) {
    return false;
  }

  if (direction.bodyMode === BodySendMode.STREAMED) {
    return direction.queue[0]?.endStream ?? false;
  }
  if (direction.bodyMode === BodySendMode.FULL_DUPLEX_STREAMED) {
    return body.response?.body_mutation?.streamed_response?.end_of_stream === true;
  }
  return false;
}

/**
 * Tells whether Envoy needs no more replies after this one, so it closes the
 * stream at once (ext_proc_stream_close_optimization, on by default since
 * Envoy 1.37). `isLastBody` comes from isLastBodyResponse, taken before the
 * reply changed the state.
 */
export function isLastNeededReply(
  response: ProcessingResponse,
  isLastBody: boolean,
  decoding: DirectionState,
  encoding: DirectionState,
): boolean {
  switch (response.response) {
    case 'request_headers':
      return (
        (decoding.noBody || (decoding.bodyMode === BodySendMode.NONE && !decoding.sendTrailers)) &&
        encoding.noExternalProcess()
      );
    case 'request_body':
      return isLastBody && encoding.noExternalProcess();
    case 'request_trailers':
      return encoding.noExternalProcess();
    case 'response_headers':
      return encoding.noBody || (encoding.bodyMode === BodySendMode.NONE && !encoding.sendTrailers);
    case 'response_body':
      return isLastBody;
    case 'response_trailers':
      return true;
    default:
      return false;
  }
}

/**
 * Merges a reply's dynamic_metadata into `target`, keeping only receiving
 * namespaces. Each namespace takes the reply's Struct field by field, as
 * Envoy's StreamInfo::setDynamicMetadata does, and a value that is not a
 * Struct counts as an empty one.
 */
export function mergeDynamicMetadata(
  target: Record<string, JsonValue>,
  response: ProcessingResponse,
  receivingNamespaces: ReadonlySet<string>,
): void {
  const fields = response.dynamic_metadata?.fields;
  if (fields === undefined) {
    return;
  }

  for (const [namespace, value] of Object.entries(fields)) {
    if (!receivingNamespaces.has(namespace)) {
      continue;
    }
    const existing = target[namespace];
    const base = typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? existing : {};
    target[namespace] = { ...base, ...structToJson(value.structValue) };
  }
}
