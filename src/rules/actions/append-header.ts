// append_header: adds a value to a header of the request Envoy forwards
// upstream or of the response it returns downstream, keeping the values
// already there (Envoy's APPEND_IF_EXISTS_OR_ADD). Same arguments and phase
// deadlines as set_header; set_header with append: true does the same.
//
// Arguments: to (upstream | downstream), name (lower-case header name), value
// (CEL expression of type string).
//
// Example:
//   - append_header: { to: downstream, name: via, value: "'ctxproc'" }
import type { ActionDefinition } from '../types.js';
import { compileHeaderValue } from './set-header.js';

export const appendHeaderAction: ActionDefinition<'append_header'> = {
  name: 'append_header',

  compile(args, compiler) {
    return compileHeaderValue('append_header', args, 'append', compiler);
  },
};
