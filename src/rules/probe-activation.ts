// An activation for asking, early in a transaction, whether a rule can still
// match. Attributes of phases after knownPhase read as an "unknown" error
// instead of as absent, so has() cannot report them missing and CEL's
// error-absorbing || and && decide only what the known attributes decide.
import type { Exchange } from '../model/exchange.js';
import type { Phase } from '../model/phase.js';
import type { TransactionRecord } from '../model/record.js';
import { Activation } from './activation.js';
import { ATTRIBUTES, VALUE_ROOTS } from './attributes.js';
import { CompiledEvaluationError } from './compiler/index.js';

/** The value of every attribute not known yet; it is an evaluation error, so any use of it is one too. */
export const NOT_YET_KNOWN = new CompiledEvaluationError('not_yet_known', 'the attribute is not known before a later phase', { start: 0, end: 0 });

/** Builds a root object with the same attribute names as Activation, hiding those after knownPhase. */
export function probeActivation(exchange: Exchange, record: TransactionRecord, knownPhase: Phase): Record<string, unknown> {
  const activation = new Activation(exchange, record) as unknown as Record<string, Record<string, unknown>>;
  const root: Record<string, unknown> = {};

  for (const [name, { fields }] of Object.entries(ATTRIBUTES)) {
    const group: Record<string, unknown> = {};
    for (const [field, spec] of Object.entries(fields)) {
      const get = spec.phase <= knownPhase ? () => activation[name]?.[field] : () => NOT_YET_KNOWN;
      Object.defineProperty(group, field, { get, enumerable: true });
    }
    root[name] = group;
  }

  for (const [name, spec] of Object.entries(VALUE_ROOTS)) {
    const get = spec.phase <= knownPhase ? () => (activation as unknown as Record<string, unknown>)[name] : () => NOT_YET_KNOWN;
    Object.defineProperty(root, name, { get, enumerable: true });
  }
  return root;
}
