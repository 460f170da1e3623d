// block: stops the transaction with a local reply from Envoy (an ext_proc
// immediate_response). The first block of a transaction wins. Envoy accepts
// an immediate response in any phase, but once the response headers have
// gone downstream it resets the stream instead of replying.
//
// Arguments: status (default 403, from Envoy's StatusCode enum), headers
// (static name: value), body (static text, default empty).
//
// Example:
//   - block: { status: 403, headers: { content-type: application/json }, body: '{"error":"request rejected"}' }
import { Phase } from '../../model/phase.js';
import type { BlockDecision } from '../../model/record.js';
import { headerNameProblem, isValidHeaderValue } from '../http-names.js';
import { statusProblem } from '../http-status.js';
import type { ActionCompiler, ActionDefinition, CompiledAction } from '../types.js';

const DEFAULT_STATUS = 403;

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
    const action: CompiledAction = {
      name: 'block',
      need: { phase: Phase.RequestHeaders, attribute: null },
      effect: { deadline: Phase.ResponseTrailers, description: 'a block' },
      apply(context) {
        context.record.block ??= { ...reply, headers: [...reply.headers], rule: context.rule };
      },
    };
    return action;
  },
};

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
