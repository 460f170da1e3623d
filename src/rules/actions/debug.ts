// debug: switches a per-transaction trace on for a client, route or header
// value, for a limited time. The trace lists every rule evaluated, its result
// and its cost in microseconds, under ctxproc.debug.trace of the event. It
// covers the transaction that matched (from this rule on) and every later
// transaction whose key has the same value, until `for` has passed. The
// event's redaction applies to the trace like to every other field.
//
// Arguments: for (duration: 30s, 10m, 1h; at most 24h), key (CEL expression
// over request-header attributes, such as source.address, request.url_path
// or request.headers['x-debug-session']).
//
// Example:
//   - debug: { for: 10m, key: source.address }
import { Phase } from '../../model/phase.js';
import { ensureLog } from '../../model/record.js';
import type { ActionDefinition, CompiledAction } from '../types.js';
import { debugKeyValue } from './debug-registry.js';
import { DURATION_SYNTAX, parseDuration } from './duration.js';
import { FIRST_PHASE_NEED } from '../attribute-reads.js';

/** Maximum debug period, so a forgotten rule cannot trace a client for longer. */
export const MAX_DEBUG_MS = 24 * 3_600_000;

export const debugAction: ActionDefinition<'debug'> = {
  name: 'debug',

  compile(args, compiler) {
    const durationMs = parseDuration(args.for);
    if (durationMs === null || durationMs <= 0 || durationMs > MAX_DEBUG_MS) {
      compiler.report('invalid_argument', ['for'], `debug 'for' is '${args.for}'; expected ${DURATION_SYNTAX}, greater than 0 and at most 24h`);
    }
    const key = compiler.expression(args.key, ['key'], 'any');
    if (key !== null && key.phase !== Phase.RequestHeaders) {
      // The engine looks the key up once, before the first rule of a
      // transaction runs, when only the request headers are known.
      compiler.report('invalid_argument', ['key'], `debug key '${args.key}' reads ${key.phaseAttribute}, which is known only later; use an attribute of the request headers or the connection, such as source.address`);
      return null;
    }
    if (key === null || durationMs === null || durationMs <= 0 || durationMs > MAX_DEBUG_MS) {
      return null;
    }

    const action: CompiledAction = {
      name: 'debug',
      need: FIRST_PHASE_NEED,
      effect: null,
      debugKey: key,
      apply(context) {
        const value = debugKeyValue(key, context.activation);
        if (value !== null) {
          context.services.debugRegistry.enable(key.source, value, durationMs);
        }
        context.record.trace ??= [];
        // The trace travels in the event, so a traced transaction is logged.
        ensureLog(context.record);
      },
    };
    return action;
  },
};
