// remove_header: removes a header from the request Envoy forwards upstream or
// from the response it returns downstream, with set_header's phase deadlines.
//
// Arguments: to (upstream | downstream), name (lower-case header name).
//
// Example:
//   - remove_header: { to: downstream, name: server }
import { headerNameProblem } from '../http-names.js';
import type { ActionDefinition, CompiledAction } from '../types.js';
import { HEADER_CHANGE_EFFECT } from './set-header.js';
import { FIRST_PHASE_NEED } from '../attribute-reads.js';

export const removeHeaderAction: ActionDefinition<'remove_header'> = {
  name: 'remove_header',

  compile(args, compiler) {
    const nameProblem = headerNameProblem(args.name);
    if (nameProblem !== null) {
      compiler.report('invalid_header_name', ['name'], nameProblem);
      return null;
    }

    const { to, name } = args;
    const action: CompiledAction = {
      name: 'remove_header',
      need: FIRST_PHASE_NEED,
      effect: HEADER_CHANGE_EFFECT[to],
      summary: `remove ${to} header ${name}`,
      apply(context) {
        context.record.pendingHeaders[to].push({ op: 'remove', name, rule: context.rule });
      },
    };
    return action;
  },
};
