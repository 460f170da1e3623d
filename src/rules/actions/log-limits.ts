// The sample and rate_limit arguments of the log action: compiled once, and
// checked through the process-wide LogLimiter each time the rule matches.
import { ensureLog } from '../../model/record.js';
import type { CompiledExpression } from '../cel.js';
import { evaluateForRule } from '../evaluate.js';
import type { ActionArgs, ActionCompiler, ActionContext } from '../types.js';
import { DURATION_SYNTAX, parseDuration } from './duration.js';
import type { RateLimit } from './log-limiter.js';

/** Minimum rate_limit window; shorter ones would count little more than single events. */
const MIN_WINDOW_MS = 1000;

/** Maximum rate_limit window. */
const MAX_WINDOW_MS = 24 * 3_600_000;

export interface LogLimits {
  sample: number;
  rate: RateLimit | null;
  /** Expression whose value separates the rate_limit counters, such as source.address; null: one counter per rule. */
  key: CompiledExpression | null;
}

/** Compiles sample and rate_limit; returns null after reporting a problem. */
export function compileLogLimits(args: ActionArgs['log'], compiler: ActionCompiler): LogLimits | null {
  const sample = args.sample ?? 1;
  const limit = args.rate_limit;
  if (limit === undefined) {
    return { sample, rate: null, key: null };
  }

  const perMs = parseDuration(limit.per);
  if (perMs === null || perMs < MIN_WINDOW_MS || perMs > MAX_WINDOW_MS) {
    compiler.report('invalid_argument', ['rate_limit', 'per'], `rate_limit 'per' is '${limit.per}'; expected ${DURATION_SYNTAX}, from 1s to 24h`);
    return null;
  }
  const key = limit.key === undefined ? null : compiler.expression(limit.key, ['rate_limit', 'key'], 'any');
  if (limit.key !== undefined && key === null) {
    return null;
  }
  return { sample, rate: { events: limit.events, perMs }, key };
}

/**
 * Returns true when the log action may log now. When it may, the count of
 * events held back before for the same rule and key goes into the record.
 */
export function admitLog(limits: LogLimits, context: ActionContext): boolean {
  if (limits.sample >= 1 && limits.rate === null) {
    return true;
  }

  const key = limits.key === null ? null : keyValue(limits.key, context);
  const admission = context.services.logLimiter.admit(context.rule, key ?? '', limits.sample, limits.rate);
  if (!admission.admitted) {
    return false;
  }

  if (admission.suppressedBefore > 0) {
    const suppressed = (ensureLog(context.record).suppressed ??= []);
    suppressed.push(key === null ? { rule: context.rule, count: admission.suppressedBefore } : { rule: context.rule, key, count: admission.suppressedBefore });
  }
  return true;
}

/** Returns the key's value as a string, or null after recording a rule error; the caller then counts under the empty key. */
function keyValue(expression: CompiledExpression, context: ActionContext): string | null {
  const result = evaluateForRule(expression, context, 'log.rate_limit.key');
  if (!result.ok) {
    return null;
  }
  return typeof result.value === 'object' ? JSON.stringify(result.value) : String(result.value);
}
