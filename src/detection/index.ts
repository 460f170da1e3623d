// Attack detection on one HTTP transaction. Rules read the result through
// the `detections` (request) and `response.detections` attributes.
//
// Each class is reported at most once per transaction, at the first
// location where it matched: rules ask whether a class is present, and
// stopping at the first match bounds the work on hostile input.
import type { Exchange } from '../model/exchange.js';
import { decodeVariants } from './decode.js';
import { genericRules } from './detectors/generic.js';
import { javaRules } from './detectors/java.js';
import { lfiRules } from './detectors/lfi.js';
import { nosqliRules } from './detectors/nosqli.js';
import { phpRules } from './detectors/php.js';
import { detectProtocol } from './detectors/protocol.js';
import { responseRules } from './detectors/response.js';
import { rceRules } from './detectors/rce.js';
import { rfiRules } from './detectors/rfi.js';
import { scannerRules } from './detectors/scanner.js';
import { sqliRules } from './detectors/sqli.js';
import { ssrfRules } from './detectors/ssrf.js';
import { xssRules } from './detectors/xss.js';
import { incompleteInspection } from './incomplete.js';
import { requestValueList } from './inputs.js';
import { BUDGET_FREE_CHARS, BUDGET_FREE_VALUES, DETECTION_BUDGET_MS, MAX_BODY_BYTES } from './limits.js';
import type { Detection, InspectedValue, ValueRule } from './types.js';
import { encodedText, readableBytes } from '../model/readable-body.js';

export type { Detection, RequestClass, ResponseClass } from './types.js';

/** Rules run on every request value. */
const VALUE_RULES: readonly ValueRule[] = [...sqliRules, ...xssRules, ...lfiRules, ...rfiRules, ...rceRules, ...phpRules, ...javaRules, ...ssrfRules, ...genericRules, ...nosqliRules];

/** Rules run on the User-Agent header: the value rules and the scanner names. */
const USER_AGENT_RULES: readonly ValueRule[] = [...scannerRules, ...VALUE_RULES];

// Short values made only of these characters (ids, words, numbers) are
// skipped, because they are the bulk of every request. The User-Agent is the
// exception, since a scanner names itself in one word.
// NOTE: a few short attacks fit this pattern and are missed, such as a lone
// command name or `select a from t`.
const INERT_VALUE = /^[A-Za-z0-9_ -]{0,15}$/;

let configuredBudgetMs = DETECTION_BUDGET_MS;

/** Sets the milliseconds of detection per request (--detection-budget) for this process. */
export function setDetectionBudget(budgetMs: number): void {
  configuredBudgetMs = budgetMs;
}

/**
 * Returns the request-side detections for `exchange`: none when it has no
 * request. Past the first BUDGET_FREE_VALUES values or BUDGET_FREE_CHARS
 * characters, values are read only until budgetMs of detection has passed.
 * The budget and the input limits each report what they left out.
 */
export function detectRequest(exchange: Exchange, budgetMs = configuredBudgetMs): readonly Detection[] {
  const request = exchange.request;
  if (request === null) {
    return [];
  }
  const started = performance.now();
  const found = detectProtocol(request).slice(0, 1);
  const seen = new Set(found.map((detection) => detection.class));
  const list = requestValueList(request);

  let read = 0;
  let chars = 0;
  for (const inspected of list.values) {
    const budgeted = read >= BUDGET_FREE_VALUES || chars >= BUDGET_FREE_CHARS;
    if (budgeted && performance.now() - started >= budgetMs) {
      break;
    }
    const rules = inspected.location === 'header.user-agent' ? USER_AGENT_RULES : VALUE_RULES;
    runRules(inspected, rules, seen, found);
    read += 1;
    chars += inspected.value.length;
  }

  const incomplete = incompleteInspection(list, read, budgetMs);
  if (incomplete !== null && !seen.has('protocol')) {
    found.push(incomplete);
  }
  return found;
}

/** Returns the response-side detections for `exchange`, from the response body. */
export function detectResponse(exchange: Exchange): readonly Detection[] {
  const body = exchange.response?.body;
  const bytes = body === null || body === undefined ? null : readableBytes(body);
  if (body === null || body === undefined || bytes === null || bytes.length === 0) {
    return [];
  }
  const found: Detection[] = [];
  const seen = new Set<string>();
  const text = bytes.subarray(0, MAX_BODY_BYTES).toString('utf8');
  runRules({ location: 'response.body', value: text }, responseRules, seen, found);

  // As for requests, text in the encoded bytes is read too (inputs.ts, addBody).
  const undecoded = encodedText(body, MAX_BODY_BYTES);
  if (undecoded !== null && undecoded !== text) {
    runRules({ location: 'response.body', value: undecoded }, responseRules, seen, found);
  }
  return found;
}

function runRules(inspected: InspectedValue, rules: readonly ValueRule[], seen: Set<string>, found: Detection[]): void {
  if (inspected.location !== 'header.user-agent' && INERT_VALUE.test(inspected.value)) {
    return;
  }
  const variants = decodeVariants(inspected.value);
  const parameter = inspected.location !== 'path' && !inspected.location.startsWith('header.');
  for (const rule of rules) {
    if (seen.has(rule.class) || (rule.parametersOnly === true && !parameter)) {
      continue;
    }
    for (const variant of variants) {
      const matched = rule.test(variant, inspected.location);
      if (matched !== null) {
        seen.add(rule.class);
        found.push({ class: rule.class, detector: rule.detector, location: inspected.location, matched });
        break;
      }
    }
  }
}
