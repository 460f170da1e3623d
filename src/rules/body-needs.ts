// The bodies that the rules of a transaction may still need once its request
// headers are known. The session turns the result into a mode_override, so
// Envoy does not send bodies that no rule can use.
import type { Exchange } from '../model/exchange.js';
import { Phase } from '../model/phase.js';
import type { TransactionRecord } from '../model/record.js';
import type { Activation } from './activation.js';
import { probeActivation } from './probe-activation.js';
import { runAtOnce } from './reload/slices.js';
import type { CompiledRule } from './types.js';

export interface BodyNeeds {
  request: boolean;
  response: boolean;
}

/** A rule that needs a body when it can still match, and which bodies. */
interface BodyRule {
  rule: CompiledRule;
  request: boolean;
  response: boolean;
}

/** The rules of a rule set that can need a body, found once when the engine is built. */
export class BodyNeedsPlan {
  readonly #bodyRules: readonly BodyRule[];

  constructor(rules: readonly CompiledRule[], bodyRules: readonly BodyRule[] = runAtOnce(bodyRulesSteps(rules))) {
    this.#bodyRules = bodyRules;
  }

  /** True when some rule can need a body, so that needs() may build a probe. */
  get probes(): boolean {
    return this.#bodyRules.length > 0;
  }

  /** Builds the plan in steps of one rule each, so that a live reload can run them in slices (reload/slices.ts). */
  static *steps(rules: readonly CompiledRule[]): Generator<void, BodyNeedsPlan> {
    return new BodyNeedsPlan(rules, yield* bodyRulesSteps(rules));
  }

  /**
   * Returns which bodies the rules that have not run yet may need, knowing
   * the request headers. A rule whose condition is already false with every
   * later attribute unknown can never match, so it needs nothing more.
   * Conditions left to the cel-js interpreter are not probed and count as
   * needing their phase. `activation`, when given, is the one the request
   * headers' rules ran with, so the probe reuses the header maps they built.
   */
  needs(hasRun: (rule: CompiledRule) => boolean, exchange: Exchange, record: TransactionRecord, activation?: Activation): BodyNeeds {
    const needs: BodyNeeds = { request: false, response: false };
    // Built on first use: probing costs several microseconds, and most rule sets have no rule that needs a body.
    let probe: Activation | null = null;

    for (const entry of this.#bodyRules) {
      const addsNeed = (entry.request && !needs.request) || (entry.response && !needs.response);
      if (!addsNeed || hasRun(entry.rule)) {
        continue;
      }

      probe ??= probeActivation(exchange, record, Phase.RequestHeaders, activation) as unknown as Activation;
      if (cannotMatch(entry.rule, probe)) {
        continue;
      }
      needs.request ||= entry.request;
      needs.response ||= entry.response;
    }
    return needs;
  }
}

/** Returns which bodies the rules that have not run yet may need; see BodyNeedsPlan.needs. */
export function bodyNeeds(rules: readonly CompiledRule[], hasRun: (rule: CompiledRule) => boolean, exchange: Exchange, record: TransactionRecord): BodyNeeds {
  return new BodyNeedsPlan(rules).needs(hasRun, exchange, record);
}

/** Rules that may need a body, in file order. */
function* bodyRulesSteps(rules: readonly CompiledRule[]): Generator<void, BodyRule[]> {
  const bodyRules: BodyRule[] = [];
  for (const rule of rules) {
    yield;
    const entry = bodyRuleOf(rule);
    if (entry.request || entry.response) {
      bodyRules.push(entry);
    }
  }
  return bodyRules;
}

function bodyRuleOf(rule: CompiledRule): BodyRule {
  // A log action that copies a body into the event needs it whatever the
  // condition reads; log_payload and redact work on what was sent.
  const logsRequestBody = rule.actions.some((action) => action.bodies?.request === true);
  const logsResponseBody = rule.actions.some((action) => action.bodies?.response === true);
  return {
    rule,
    request: logsRequestBody || rule.phase === Phase.RequestBody || rule.attributes.some(isRequestBodyAttribute),
    response: logsResponseBody || rule.phase === Phase.ResponseBody || rule.attributes.some(isResponseBodyAttribute),
  };
}

function cannotMatch(rule: CompiledRule, probe: Activation): boolean {
  const condition = rule.condition;
  if (condition === null || !condition.compiled) {
    return false;
  }

  // A compiled reader may not expect the probe's "not yet known" value in
  // place of a header map, and throw. The rule then counts as able to
  // match, so a probing fault costs a body, never the transaction.
  try {
    return condition.evaluateOrError(probe) === false;
  } catch {
    return false;
  }
}

const REQUEST_BODY_ATTRIBUTES = new Set(['request', 'request.body', 'request.json', 'request.form', 'detections']);
const RESPONSE_BODY_ATTRIBUTES = new Set(['response', 'response.body', 'response.json', 'response.detections']);

function isRequestBodyAttribute(name: string): boolean {
  return REQUEST_BODY_ATTRIBUTES.has(name);
}

function isResponseBodyAttribute(name: string): boolean {
  return RESPONSE_BODY_ATTRIBUTES.has(name);
}
