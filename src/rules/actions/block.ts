// block: stops the transaction with a local reply from Envoy (an ext_proc
// immediate_response). The first block of a transaction wins. Envoy accepts
// an immediate response in any phase, but once the response headers have
// gone downstream it resets the stream instead of replying.
//
// A gRPC client reads grpc-status, not the HTTP status, so a request whose
// content-type starts with application/grpc gets a trailers-only gRPC reply
// instead: HTTP 200, grpc-status and grpc-message headers, and the
// immediate response's grpc_status field set to the same code.
//
// Arguments: status (default 403, from Envoy's StatusCode enum), headers
// (static name: value), body (static text, default empty), grpc_status
// (0 to 16; default mapped from status as gRPC's HTTP-to-gRPC mapping does,
// 403 to 7 PERMISSION_DENIED), grpc_message (default: body, or "request
// blocked").
//
// Example:
//   - block: { status: 403, headers: { content-type: application/json }, body: '{"error":"request rejected"}' }
//   - block: { status: 429, grpc_status: 8, grpc_message: rate limited }
import { Phase } from '../../model/phase.js';
import type { BlockDecision } from '../../model/record.js';
import { headerNameProblem, isValidHeaderValue } from '../http-names.js';
import { statusProblem } from '../http-status.js';
import type { ActionCompiler, ActionContext, ActionDefinition, CompiledAction } from '../types.js';
import { FIRST_PHASE_NEED } from '../attribute-reads.js';

const DEFAULT_STATUS = 403;

const DEFAULT_GRPC_MESSAGE = 'request blocked';

/**
 * gRPC codes for HTTP statuses, as gRPC's http-grpc-status-mapping.md lists
 * them and Envoy's Grpc::Utility::httpToGrpcStatus (source/common/grpc/status.cc)
 * applies them. Any other status maps to UNKNOWN.
 */
const GRPC_STATUS_OF_HTTP: Readonly<Record<number, number>> = {
  400: 13,
  401: 16,
  403: 7,
  404: 12,
  429: 14,
  502: 14,
  503: 14,
  504: 14,
};

/** UNKNOWN, for HTTP statuses the mapping does not list. */
const GRPC_UNKNOWN = 2;

export const blockAction: ActionDefinition<'block'> = {
  name: 'block',

  compile(args, compiler) {
    const status = args.status ?? DEFAULT_STATUS;
    const problem = statusProblem(status);
    if (problem !== null) {
      compiler.report('invalid_status', ['status'], problem);
    }
    const headers = checkHeaders(args.headers ?? {}, compiler);
    if (problem !== null || headers === null) {
      return null;
    }

    const reply: Omit<BlockDecision, 'rule'> = { status, headers, body: args.body ?? '' };
    const grpcReply: Omit<BlockDecision, 'rule'> = grpcBlock(status, args);
    const action: CompiledAction = {
      name: 'block',
      need: FIRST_PHASE_NEED,
      effect: { deadline: Phase.ResponseTrailers, description: 'a block' },
      summary: `block with status ${status}`,
      apply(context) {
        const chosen = isGrpcRequest(context) ? grpcReply : reply;
        context.record.block ??= { ...chosen, headers: [...chosen.headers], rule: context.rule };
      },
    };
    return action;
  },
};

function grpcBlock(status: number, args: { body?: string; grpc_status?: number; grpc_message?: string }): Omit<BlockDecision, 'rule'> {
  const grpcStatus = args.grpc_status ?? GRPC_STATUS_OF_HTTP[status] ?? GRPC_UNKNOWN;
  const message = args.grpc_message ?? (args.body === undefined || args.body === '' ? DEFAULT_GRPC_MESSAGE : args.body);
  return {
    status: 200,
    headers: [
      ['content-type', 'application/grpc'],
      ['grpc-status', String(grpcStatus)],
      ['grpc-message', encodeGrpcMessage(message)],
    ],
    body: '',
    grpcStatus,
  };
}

/** Percent-encodes a grpc-message value as the gRPC HTTP/2 protocol requires: bytes outside 0x20-0x7E, and '%'. */
export function encodeGrpcMessage(message: string): string {
  let encoded = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    encoded += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** gRPC requests carry content-type application/grpc, or application/grpc+proto and similar. */
function isGrpcRequest(context: ActionContext): boolean {
  const type = context.activation.request.headers?.get('content-type');
  return type !== undefined && /^application\/grpc(?:[+;]|$)/i.test(type);
}

function checkHeaders(headers: Record<string, string>, compiler: ActionCompiler): Array<[string, string]> | null {
  let valid = true;
  for (const [name, value] of Object.entries(headers)) {
    const nameProblem = headerNameProblem(name);
    if (nameProblem !== null) {
      compiler.report('invalid_header_name', ['headers'], nameProblem, { key: name });
      valid = false;
    }
    if (!isValidHeaderValue(value)) {
      compiler.report('invalid_header_value', ['headers', name], `invalid value for block header '${name}': it contains CR, LF or NUL, which Envoy rejects`);
      valid = false;
    }
  }
  return valid ? Object.entries(headers) : null;
}
