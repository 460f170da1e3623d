// redact: hides values in the transaction's event (never in the traffic).
// Targets of every matched rule add up, and the record keeps the rule that
// first requested each, so the event can name the rule behind a hidden value.
//
// Arguments: headers (lower-case names), query_params and cookies (names,
// compared without regard to case by the redactor), detectors (card_number,
// jwt, bearer_token, basic_credentials), patterns (named regular expressions
// of your own, checked at load time by regex-safety.ts).
//
// Example:
//   - redact: { headers: [authorization], query_params: [token], detectors: [jwt] }
//   - redact: { patterns: [{ name: account_id, regex: 'ACCT-[0-9]{8}' }] }
import { Phase } from '../../model/phase.js';
import type { DetectorName, RedactionSpec } from '../../model/record.js';
import { headerNameProblem } from '../http-names.js';
import { regexProblem } from '../regex-safety.js';
import type { ActionDefinition, CompiledAction } from '../types.js';

/** Detector names: the JSON Schema's enum for redact.detectors lists the same. */
export const DETECTOR_NAMES = ['card_number', 'jwt', 'bearer_token', 'basic_credentials'] as const satisfies readonly DetectorName[];

/** A redaction target: the spec set it goes in, and its key in RedactionSpec.sources. */
interface Target {
  set: 'headers' | 'queryParams' | 'cookies' | 'detectors';
  name: string;
  source: string;
}

export const redactAction: ActionDefinition<'redact'> = {
  name: 'redact',

  compile(args, compiler) {
    let valid = true;
    (args.headers ?? []).forEach((name, index) => {
      const problem = headerNameProblem(name);
      if (problem !== null) {
        compiler.report('invalid_header_name', ['headers', index], problem);
        valid = false;
      }
    });
    const patterns = new Map<string, RegExp>();
    (args.patterns ?? []).forEach((pattern, index) => {
      const problem = regexProblem(pattern.regex);
      if (problem !== null) {
        compiler.report('unsafe_regex', ['patterns', index, 'regex'], `redact pattern '${pattern.name}': ${problem}`);
        valid = false;
        return;
      }
      // Only the g flag: V8's linear-time fallback does not run i, u or d patterns.
      patterns.set(pattern.name, new RegExp(pattern.regex, 'g'));
    });
    if (!valid) {
      return null;
    }

    const targets: Target[] = [
      ...(args.headers ?? []).map((name) => ({ set: 'headers' as const, name, source: `header:${name}` })),
      ...(args.query_params ?? []).map((name) => ({ set: 'queryParams' as const, name, source: `query_param:${name.toLowerCase()}` })),
      ...(args.cookies ?? []).map((name) => ({ set: 'cookies' as const, name, source: `cookie:${name.toLowerCase()}` })),
      ...(args.detectors ?? []).map((name) => ({ set: 'detectors' as const, name, source: `detector:${name}` })),
    ];
    const patternSources = [...patterns.keys()].map((name) => `pattern:${name}`);
    const action: CompiledAction = {
      name: 'redact',
      need: { phase: Phase.RequestHeaders, attribute: null },
      effect: null,
      apply(context) {
        const spec = context.record.redaction;
        addTargets(spec, targets, context.rule);
        for (const [name, regex] of patterns) {
          if (!spec.patterns.has(name)) {
            spec.patterns.set(name, regex);
          }
        }
        for (const source of patternSources) {
          if (!spec.sources.has(source)) {
            spec.sources.set(source, context.rule);
          }
        }
      },
    };
    return action;
  },
};

function addTargets(spec: RedactionSpec, targets: readonly Target[], rule: string): void {
  for (const target of targets) {
    (spec[target.set] as Set<string>).add(target.name);
    if (!spec.sources.has(target.source)) {
      spec.sources.set(target.source, rule);
    }
  }
}
