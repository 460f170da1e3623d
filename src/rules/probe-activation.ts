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

/** The live activation behind a probe root or group, under a key that no CEL field name can reach. */
const SOURCE = Symbol('probe source');

type Group = Record<string, unknown> & { [SOURCE]: Record<string, unknown> };

type Root = Record<string, unknown> & { [SOURCE]: Record<string, Record<string, unknown>>; [GROUPS]: Record<string, Group | undefined> };

/** The groups a probe root has built so far, by root name. */
const GROUPS = Symbol('probe groups');

/**
 * The getters of the probes for one known phase, made once. Every probe
 * shares them, so V8 gives all probes one hidden class. With getters made
 * per probe, each probe had its own hidden class, which V8 keeps until a
 * full collection. Through its getters that class kept the whole
 * transaction alive, so every transaction with a 16 KB body moved to the
 * old generation: 1.6 GB promoted over 80,000 transactions of
 * bench/session-path.ts, against 6 MB with shared getters.
 */
interface ProbeShape {
  root: PropertyDescriptorMap;
  groups: ReadonlyMap<string, PropertyDescriptorMap>;
}

const shapes = new Map<Phase, ProbeShape>();

/** Builds a root object with the same attribute names as Activation, hiding those after knownPhase. */
export function probeActivation(exchange: Exchange, record: TransactionRecord, knownPhase: Phase): Record<string, unknown> {
  const shape = shapeFor(knownPhase);
  const root = { [SOURCE]: new Activation(exchange, record), [GROUPS]: {} } as unknown as Root;
  Object.defineProperties(root, shape.root);
  return root;
}

function shapeFor(knownPhase: Phase): ProbeShape {
  let shape = shapes.get(knownPhase);
  if (shape === undefined) {
    shape = buildShape(knownPhase);
    shapes.set(knownPhase, shape);
  }
  return shape;
}

function buildShape(knownPhase: Phase): ProbeShape {
  const root: PropertyDescriptorMap = {};
  const groups = new Map<string, PropertyDescriptorMap>();

  // Each group is built on its first read, because a condition reads few of
  // them and each costs a property definition per field.
  for (const [name, { fields }] of Object.entries(ATTRIBUTES)) {
    groups.set(name, groupDescriptors(name, fields, knownPhase));
    root[name] = {
      get(this: Root): Group {
        const built = this[GROUPS];
        built[name] ??= newGroup(this[SOURCE], groups.get(name)!);
        return built[name];
      },
      enumerable: true,
    };
  }

  for (const [name, spec] of Object.entries(VALUE_ROOTS)) {
    const known = spec.phase <= knownPhase;
    root[name] = {
      get(this: Root): unknown {
        return known ? this[SOURCE][name] : NOT_YET_KNOWN;
      },
      enumerable: true,
    };
  }
  return { root, groups };
}

function groupDescriptors(name: string, fields: Readonly<Record<string, { phase: Phase }>>, knownPhase: Phase): PropertyDescriptorMap {
  const descriptors: PropertyDescriptorMap = {};
  for (const [field, spec] of Object.entries(fields)) {
    const get = spec.phase <= knownPhase
      ? function (this: Group): unknown {
        return (this[SOURCE][name] as Record<string, unknown> | undefined)?.[field];
      }
      : (): unknown => NOT_YET_KNOWN;
    descriptors[field] = { get, enumerable: true };
  }
  return descriptors;
}

function newGroup(activation: Record<string, unknown>, descriptors: PropertyDescriptorMap): Group {
  const group = { [SOURCE]: activation } as Group;
  Object.defineProperties(group, descriptors);
  return group;
}
