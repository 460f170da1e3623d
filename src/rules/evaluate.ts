// Runs one compiled expression for a rule and turns any failure into an entry
// of record.ruleErrors, so a bad expression costs one rule, never the request.
import type { CompiledExpression } from './cel.js';
import type { ActionContext } from './types.js';

export type Evaluation = { ok: true; value: unknown } | { ok: false };

/** Maximum characters of expression text quoted in a rule error. */
const MAX_QUOTED_EXPRESSION = 120;

/** Evaluates expression; on failure records a rule error for `where` (such as "when") and returns ok: false. */
export function evaluateForRule(expression: CompiledExpression, context: ActionContext, where: string): Evaluation {
  // evaluateOrError returns a CEL runtime error as an Error value, because a
  // throw per evaluation is slow for rules that read absent headers; the
  // catch is for faults outside CEL. No CEL value is an Error instance.
  let value: unknown;
  try {
    value = expression.evaluateOrError(context.activation);
  } catch (error) {
    value = error instanceof Error ? error : new Error(String(error));
  }

  if (value instanceof Error) {
    recordRuleError(context, `${where}: ${describeFailure(expression, value)}`);
    return { ok: false };
  }
  return { ok: true, value };
}

export function recordRuleError(context: ActionContext, message: string): void {
  context.record.ruleErrors.push({ rule: context.rule, message });
}

/**
 * Describes an evaluation failure by its cel-js code and the part of the
 * rule's own expression that failed. cel-js messages can quote request data
 * (a dynamic map key, a string that failed to parse), which may be a secret,
 * so they are not copied.
 */
function describeFailure(expression: CompiledExpression, error: unknown): string {
  const { code, range } = (error ?? {}) as { code?: unknown; range?: { start: number; end: number } };
  const reason = typeof code === 'string' ? code.replaceAll('_', ' ') : `internal error (${error instanceof Error ? error.name : typeof error})`;

  const whole = quote(expression.source);
  const failed = range === undefined ? expression.source : expression.source.slice(range.start, range.end);
  return failed === expression.source ? `${reason} in ${whole}` : `${reason} at ${quote(failed)} in ${whole}`;
}

function quote(text: string): string {
  return text.length > MAX_QUOTED_EXPRESSION ? `${text.slice(0, MAX_QUOTED_EXPRESSION)}...` : text;
}
