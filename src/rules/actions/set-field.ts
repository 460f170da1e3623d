// set_field: sets a field of the event, under ctxproc.fields beside the log
// action's fields, from a static value or a CEL expression. It does not
// request an event by itself: a log action (or a simulated change) must.
// A later rule that sets the same name overwrites the value.
//
// Arguments: name (field name), and either value (static string, number or
// bool) or expression (CEL).
//
// Example:
//   - set_field: { name: team, value: payments }
//   - set_field: { name: client_country, expression: "request.headers['cf-ipcountry']" }
import type { ActionDefinition, CompiledAction } from '../types.js';
import { compileValueSource, evaluateValue, headersOfValue, needOfValue } from './value-source.js';

export const setFieldAction: ActionDefinition<'set_field'> = {
  name: 'set_field',

  compile(args, compiler) {
    const source = compileValueSource(args, `set_field '${args.name}'`, compiler);
    if (source === null) {
      return null;
    }

    const { name } = args;
    const headers = headersOfValue(source);
    const action: CompiledAction = {
      name: 'set_field',
      need: needOfValue(source),
      effect: null,
      apply(context) {
        const value = evaluateValue(source, context, `set_field.${name}`);
        if (value !== undefined) {
          context.record.fields[name] = value;
          context.record.fieldHeaders[name] = headers;
        }
      },
    };
    return action;
  },
};
