// The value of set_field and set_metadata: a static `value`, or an
// `expression` in CEL evaluated when the rule matches. Exactly one must be set.
import { Phase } from '../../model/phase.js';
import type { FieldValue } from '../../model/record.js';
import type { PhaseNeed } from '../attribute-reads.js';
import { mentionsAttributeGroup } from '../attributes.js';
import type { CompiledExpression } from '../cel.js';
import { evaluateForRule, recordRuleError } from '../evaluate.js';
import { toFieldValue } from '../field-value.js';
import type { ActionCompiler, ActionContext } from '../types.js';

export type ValueSource = { kind: 'static'; value: string | number | boolean } | { kind: 'expression'; expression: CompiledExpression };

/** Compiles the value of args; returns null after reporting a problem. */
export function compileValueSource(args: { value?: string | number | boolean; expression?: string }, label: string, compiler: ActionCompiler): ValueSource | null {
  if ((args.value === undefined) === (args.expression === undefined)) {
    compiler.report('invalid_argument', [], `${label} needs exactly one of value (static) and expression (CEL)`);
    return null;
  }
  if (args.value !== undefined) {
    return { kind: 'static', value: args.value };
  }

  const expression = compiler.expression(args.expression!, ['expression'], 'any');
  if (expression === null) {
    return null;
  }
  if (mentionsAttributeGroup(expression.type)) {
    compiler.report('cel_type', ['expression'], `${label} returns a whole attribute group (${expression.type}); use single attributes such as request.url_path`);
    return null;
  }
  return { kind: 'expression', expression };
}

export function needOfValue(source: ValueSource): PhaseNeed {
  return source.kind === 'static'
    ? { phase: Phase.RequestHeaders, attribute: null }
    : { phase: source.expression.phase, attribute: source.expression.phaseAttribute };
}

/** Returns the header names the value read, for redaction of the result. */
export function headersOfValue(source: ValueSource): readonly string[] {
  return source.kind === 'static' ? [] : source.expression.headerKeys;
}

/** Evaluates the value as JSON; returns undefined after recording a rule error. */
export function evaluateValue(source: ValueSource, context: ActionContext, where: string): FieldValue | undefined {
  if (source.kind === 'static') {
    return source.value;
  }

  const result = evaluateForRule(source.expression, context, where);
  if (!result.ok) {
    return undefined;
  }
  try {
    return toFieldValue(result.value);
  } catch (error) {
    recordRuleError(context, `${where}: ${(error as Error).message}`);
    return undefined;
  }
}
