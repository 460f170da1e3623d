// log: requests one security event for the transaction, written when it ends.
//
// Arguments: message (text), sink (a declared sink name or a list of them;
// default: the default sinks), fields (name: CEL expression, evaluated when the
// rule matches), include (headers: names or 'all'; request_body and
// response_body: maximum bytes), sample (share of matches logged, 0 to 1),
// rate_limit (events per window, per rule and per key expression). Several
// matched log actions still give one event: the first message wins, later
// fields overwrite earlier ones, body limits take the maximum and header
// lists are merged. A log held back by sample or rate_limit adds nothing,
// and its count goes into the next event of the same rule and key.
//
// Example:
//   - log: { message: request failed, fields: { route: request.url_path }, include: { headers: [user-agent] } }
//   - log: { message: login failed, sample: 0.1, rate_limit: { events: 10, per: 1m, key: source.address } }
import { ensureLog, type LogDecision } from '../../model/record.js';
import { mentionsAttributeGroup } from '../attributes.js';
import { needOfExpressions } from '../cel.js';
import type { CompiledExpression } from '../cel.js';
import { evaluateForRule, recordRuleError } from '../evaluate.js';
import { toFieldValue } from '../field-value.js';
import { headerNameProblem } from '../http-names.js';
import type { ActionCompiler, ActionContext, ActionDefinition, CompiledAction } from '../types.js';
import { admitLog, compileLogLimits, type LogLimits } from './log-limits.js';

type IncludedHeaders = LogDecision['includeHeaders'];

export const logAction: ActionDefinition<'log'> = {
  name: 'log',

  compile(args, compiler) {
    const fields = compileFields(args.fields ?? {}, compiler);
    const headersValid = checkIncludedHeaders(args.include?.headers, compiler);
    const limits = compileLogLimits(args, compiler);
    const sinks = sinkList(args.sink);
    const sinksValid = checkSinks(sinks, compiler);
    if (fields === null || !headersValid || limits === null || !sinksValid) {
      return null;
    }

    const settings = {
      message: args.message ?? null,
      fields,
      requestBody: args.include?.request_body ?? 0,
      responseBody: args.include?.response_body ?? 0,
      headers: args.include?.headers ?? [],
      limits,
      sinks,
    };
    const expressions = [...fields.map(([, expression]) => expression), ...(limits.key === null ? [] : [limits.key])];
    const action: CompiledAction = {
      name: 'log',
      need: needOfExpressions(expressions),
      effect: null,
      bodies: { request: settings.requestBody > 0, response: settings.responseBody > 0 },
      apply: (context) => applyLog(settings, context),
    };
    return action;
  },
};

function compileFields(sources: Record<string, string>, compiler: ActionCompiler): Array<[string, CompiledExpression]> | null {
  const fields: Array<[string, CompiledExpression]> = [];
  let valid = true;

  for (const [name, source] of Object.entries(sources)) {
    const expression = compiler.expression(source, ['fields', name], 'any');
    if (expression === null) {
      valid = false;
      continue;
    }
    if (mentionsAttributeGroup(expression.type)) {
      compiler.report('cel_type', ['fields', name], `log field '${name}' returns a whole attribute group (${expression.type}); log single attributes such as request.url_path`);
      valid = false;
      continue;
    }
    fields.push([name, expression]);
  }
  return valid ? fields : null;
}

function checkIncludedHeaders(headers: IncludedHeaders | undefined, compiler: ActionCompiler): boolean {
  if (headers === undefined || headers === 'all') {
    return true;
  }

  let valid = true;
  headers.forEach((name, index) => {
    const problem = headerNameProblem(name);
    if (problem !== null) {
      compiler.report('invalid_header_name', ['include', 'headers', index], problem);
      valid = false;
    }
  });
  return valid;
}

function sinkList(sink: string | string[] | undefined): string[] {
  if (sink === undefined) {
    return [];
  }
  return typeof sink === 'string' ? [sink] : sink;
}

function checkSinks(sinks: readonly string[], compiler: ActionCompiler): boolean {
  let valid = true;
  for (const name of sinks) {
    if (!compiler.sinkNames.has(name)) {
      const declared = [...compiler.sinkNames].join(', ');
      compiler.report('unknown_sink', ['sink'], `log action names sink '${name}', which is not declared; declared sinks: ${declared}`);
      valid = false;
    }
  }
  return valid;
}

interface LogSettings {
  message: string | null;
  fields: Array<[string, CompiledExpression]>;
  requestBody: number;
  responseBody: number;
  headers: IncludedHeaders;
  limits: LogLimits;
  sinks: string[];
}

function applyLog(settings: LogSettings, context: ActionContext): void {
  if (!admitLog(settings.limits, context)) {
    return;
  }

  const log = ensureLog(context.record);
  log.rules.push(context.rule);
  log.message ??= settings.message;

  for (const [name, expression] of settings.fields) {
    const result = evaluateForRule(expression, context, `log.fields.${name}`);
    if (!result.ok) {
      continue;
    }
    try {
      log.fields[name] = toFieldValue(result.value);
      log.fieldHeaders[name] = expression.headerKeys;
    } catch (error) {
      recordRuleError(context, `log.fields.${name}: ${(error as Error).message}`);
    }
  }

  log.includeRequestBody = Math.max(log.includeRequestBody, settings.requestBody);
  log.includeResponseBody = Math.max(log.includeResponseBody, settings.responseBody);
  log.includeHeaders = mergeHeaders(log.includeHeaders, settings.headers);
  log.defaultSinks ||= settings.sinks.length === 0;
  for (const sink of settings.sinks) {
    if (!log.sinks.includes(sink)) {
      log.sinks.push(sink);
    }
  }
}

function mergeHeaders(current: IncludedHeaders, added: IncludedHeaders): IncludedHeaders {
  if (current === 'all' || added === 'all') {
    return 'all';
  }
  const merged = [...current];
  for (const name of added) {
    if (!merged.includes(name)) {
      merged.push(name);
    }
  }
  return merged;
}
