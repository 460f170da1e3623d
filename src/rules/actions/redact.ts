// redact: hides values in the transaction's event (never in the traffic).
// Targets of every matched rule add up, and the record keeps the rule that
// first requested each, so the event can name the rule behind a hidden value.
//
// Arguments: headers (lower-case names), query_params and cookies (names,
// compared without regard to case by the redactor), detectors (card_number,
// jwt, bearer_token, basic_credentials).
//
// Example:
//   - redact: { headers: [authorization], query_params: [token], detectors: [jwt] }
import { Phase } from '../../model/phase.js';
import type { DetectorName, RedactionSpec } from '../../model/record.js';
import { headerNameProblem } from '../http-names.js';
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
    if (!valid) {
      return null;
    }

    const targets: Target[] = [
      ...(args.headers ?? []).map((name) => ({ set: 'headers' as const, name, source: `header:${name}` })),
      ...(args.query_params ?? []).map((name) => ({ set: 'queryParams' as const, name, source: `query_param:${name.toLowerCase()}` })),
      ...(args.cookies ?? []).map((name) => ({ set: 'cookies' as const, name, source: `cookie:${name.toLowerCase()}` })),
      ...(args.detectors ?? []).map((name) => ({ set: 'detectors' as const, name, source: `detector:${name}` })),
    ];
    const action: CompiledAction = {
      name: 'redact',
      need: { phase: Phase.RequestHeaders, attribute: null },
      effect: null,
      apply(context) {
        addTargets(context.record.redaction, targets, context.rule);
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
