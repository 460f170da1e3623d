// set_header: sets a header on the request Envoy forwards upstream or on the
// response it returns downstream, through the next ext_proc reply.
//
// Arguments: to (upstream | downstream), name (lower-case header name), value
// (CEL expression of type string), append (true: add a value; false, the
// default: replace). Envoy applies request header changes only in replies to
// the request headers or the buffered request body, and response header
// changes only up to the response body, so those are the deadlines.
//
// Example:
//   - set_header: { to: upstream, name: x-threat, value: "'sqli'" }
import { Phase } from '../../model/phase.js';
import type { HeaderTarget } from '../../model/record.js';
import { needOfExpressions } from '../cel.js';
import type { CompiledExpression } from '../cel.js';
import { evaluateForRule, recordRuleError } from '../evaluate.js';
import { headerNameProblem, isValidHeaderValue } from '../http-names.js';
import type { ActionCompiler, ActionContext, ActionDefinition, CompiledAction, TrafficEffect } from '../types.js';

/** Header changes of each direction, with the last phase whose ext_proc reply can carry them. */
export const HEADER_CHANGE_EFFECT: Record<HeaderTarget, TrafficEffect> = {
  upstream: { deadline: Phase.RequestBody, description: 'upstream header changes' },
  downstream: { deadline: Phase.ResponseBody, description: 'downstream header changes' },
};

export const setHeaderAction: ActionDefinition<'set_header'> = {
  name: 'set_header',

  compile(args, compiler) {
    return compileHeaderValue('set_header', args, args.append === true ? 'append' : 'set', compiler);
  },
};

/** Compiles set_header and append_header, which differ only in op. */
export function compileHeaderValue(
  name: 'set_header' | 'append_header',
  args: { to: HeaderTarget; name: string; value: string },
  op: 'set' | 'append',
  compiler: ActionCompiler,
): CompiledAction | null {
  const nameProblem = headerNameProblem(args.name);
  if (nameProblem !== null) {
    compiler.report('invalid_header_name', ['name'], nameProblem);
  }
  const value = compiler.expression(args.value, ['value'], 'string');
  if (nameProblem !== null || value === null) {
    return null;
  }

  const change: HeaderSet = { to: args.to, name: args.name, op, value };
  const action: CompiledAction = {
    name,
    need: needOfExpressions([value]),
    effect: HEADER_CHANGE_EFFECT[args.to],
    summary: `${op} ${args.to} header ${args.name}`,
    apply: (context) => applySetHeader(change, context),
  };
  return action;
}

interface HeaderSet {
  to: HeaderTarget;
  name: string;
  op: 'set' | 'append';
  value: CompiledExpression;
}

function applySetHeader(change: HeaderSet, context: ActionContext): void {
  const where = `set_header ${change.name}`;
  const result = evaluateForRule(change.value, context, where);
  if (!result.ok) {
    return;
  }

  // The value is not quoted in these errors: it may be a secret.
  if (typeof result.value !== 'string') {
    recordRuleError(context, `${where}: value must be a string, got ${typeof result.value}; header not sent`);
    return;
  }
  if (!isValidHeaderValue(result.value)) {
    recordRuleError(context, `${where}: value contains CR, LF or NUL, which Envoy rejects; header not sent`);
    return;
  }

  context.record.pendingHeaders[change.to].push({ op: change.op, name: change.name, value: result.value, rule: context.rule });
}
