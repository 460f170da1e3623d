// set_metadata: sets a key of Envoy's dynamic metadata under the ctxproc
// namespace, so Envoy's access log can print it with
// %DYNAMIC_METADATA(ctxproc:key)%. Envoy keeps the namespace only when the
// ext_proc filter lists it in metadata_options.receiving_namespaces.
// Values pass through the event's redaction before they are sent.
//
// Arguments: key (metadata key), and either value (static string, number
// or bool) or expression (CEL with a string, number or bool result).
//
// Example:
//   - set_metadata: { key: threat, value: sqli }
//   - set_metadata: { key: route_class, expression: "request.url_path.startsWith('/admin') ? 'admin' : 'public'" }
import { Phase } from '../../model/phase.js';
import { recordRuleError } from '../evaluate.js';
import type { ActionDefinition, CompiledAction } from '../types.js';
import { compileValueSource, evaluateValue, headersOfValue, needOfValue } from './value-source.js';

/** Keys that ctxproc itself writes into the namespace; a rule may not overwrite them. */
export const RESERVED_METADATA_KEYS: readonly string[] = ['transaction_id', 'logged', 'action', 'rules_matched', 'rules_version', 'logged_by', 'blocked_by'];

export const setMetadataAction: ActionDefinition<'set_metadata'> = {
  name: 'set_metadata',

  compile(args, compiler) {
    if (RESERVED_METADATA_KEYS.includes(args.key)) {
      compiler.report('invalid_argument', ['key'], `set_metadata key '${args.key}' is written by ctxproc itself; choose another key (reserved: ${RESERVED_METADATA_KEYS.join(', ')})`);
      return null;
    }
    const source = compileValueSource(args, `set_metadata '${args.key}'`, compiler);
    if (source === null) {
      return null;
    }

    const { key } = args;
    const headers = headersOfValue(source);
    const action: CompiledAction = {
      name: 'set_metadata',
      need: needOfValue(source),
      // Any reply can carry dynamic_metadata, the last one included.
      effect: { deadline: Phase.ResponseTrailers, description: 'dynamic metadata' },
      summary: `set dynamic metadata ctxproc.${key}`,
      apply(context) {
        const value = evaluateValue(source, context, `set_metadata.${key}`);
        if (value === undefined) {
          return;
        }
        if (value !== null && typeof value === 'object') {
          recordRuleError(context, `set_metadata.${key}: the value is a list or map; metadata takes a string, number or bool; key not set`);
          return;
        }
        context.record.metadata[key] = value ?? '';
        context.record.metadataHeaders[key] = headers;
      },
    };
    return action;
  },
};
