// An activation for asking, early in a transaction, whether a rule can still
// match. Attributes of phases after knownPhase read as an "unknown" error
// instead of as absent, so has() cannot report them missing and CEL's
// error-absorbing || and && decide only what the known attributes decide.
import type { Exchange } from '../model/exchange.js';
import type { Phase } from '../model/phase.js';
import type { TransactionRecord } from '../model/record.js';
import { Activation } from './activation.js';
import { ATTRIBUTES, VALUE_ROOTS } from './attributes.js';
import { CompiledEvaluationError, registerMessageClass } from './compiler/index.js';

/** The value of every attribute not known yet; it is an evaluation error, so any use of it is one too. */
export const NOT_YET_KNOWN = new CompiledEvaluationError('not_yet_known', 'the attribute is not known before a later phase', { start: 0, end: 0 });

/** The live activation behind a probe root or group, under a key that no CEL field name can reach. */
const SOURCE = Symbol('probe source');

/** The groups a probe root has built so far, by their position in ATTRIBUTES. */
const GROUPS = Symbol('probe groups');

const GROUP_NAMES = Object.keys(ATTRIBUTES);

interface ProbeGroup {
  readonly [SOURCE]: Activation;
}

interface ProbeRoot {
  readonly [SOURCE]: Activation;
  readonly [GROUPS]: Array<ProbeGroup | undefined>;
}

type ProbeRootClass = new (activation: Activation) => ProbeRoot;

/**
 * The probe classes for one known phase, made once, with the attribute
 * getters on their prototypes. A probe is then one small object, and a
 * group another when a condition reads it. Defining the getters on each
 * probe instead cost 3.0 µs per transaction of bench/session-path.ts
 * (body_16k), which probes once per transaction. Every probe of a phase
 * also shares one hidden class. With getter closures made per probe, each
 * probe had its own hidden class, which V8 keeps until a full collection.
 * Through the getters, that class kept a 16 KB body alive into the old
 * generation.
 */
const rootClasses = new Map<Phase, ProbeRootClass>();

/**
 * Builds a root object with the same attribute names as Activation, hiding
 * those after knownPhase. `activation` supplies the known values. Pass the
 * activation the phase's rules ran with, so the probe reuses the header
 * maps they built, or leave it out for a new one.
 */
export function probeActivation(exchange: Exchange, record: TransactionRecord, knownPhase: Phase, activation: Activation = new Activation(exchange, record)): Record<string, unknown> {
  const Root = rootClassFor(knownPhase);
  return new Root(activation) as unknown as Record<string, unknown>;
}

function rootClassFor(knownPhase: Phase): ProbeRootClass {
  let Root = rootClasses.get(knownPhase);
  if (Root === undefined) {
    Root = buildRootClass(knownPhase);
    rootClasses.set(knownPhase, Root);
  }
  return Root;
}

function buildRootClass(knownPhase: Phase): ProbeRootClass {
  class Root implements ProbeRoot {
    readonly [SOURCE]: Activation;
    readonly [GROUPS]: Array<ProbeGroup | undefined> = new Array<ProbeGroup | undefined>(GROUP_NAMES.length).fill(undefined);

    constructor(activation: Activation) {
      this[SOURCE] = activation;
    }
  }

  // Each group is built on its first read, because a condition reads few of them.
  GROUP_NAMES.forEach((name, position) => {
    const Group = buildGroupClass(name, knownPhase);
    Object.defineProperty(Root.prototype, name, {
      get(this: Root): ProbeGroup {
        const built = this[GROUPS];
        built[position] ??= new Group(this[SOURCE]);
        return built[position];
      },
      enumerable: true,
    });
  });

  for (const [name, spec] of Object.entries(VALUE_ROOTS)) {
    const known = spec.phase <= knownPhase;
    Object.defineProperty(Root.prototype, name, {
      get(this: Root): unknown {
        return known ? (this[SOURCE] as unknown as Record<string, unknown>)[name] : NOT_YET_KNOWN;
      },
      enumerable: true,
    });
  }
  return Root;
}

/**
 * Builds the class of one attribute group. It is registered as a CEL
 * message class, as the Activation's group classes are, so field selection
 * and has() on it read through the getters.
 */
function buildGroupClass(name: string, knownPhase: Phase): new (activation: Activation) => ProbeGroup {
  class Group implements ProbeGroup {
    readonly [SOURCE]: Activation;

    constructor(activation: Activation) {
      this[SOURCE] = activation;
    }
  }

  const fields = (ATTRIBUTES as Record<string, { fields: Record<string, { phase: Phase }> }>)[name]!.fields;
  for (const [field, spec] of Object.entries(fields)) {
    const get = spec.phase <= knownPhase
      ? function (this: Group): unknown {
        return ((this[SOURCE] as unknown as Record<string, unknown>)[name] as Record<string, unknown> | undefined)?.[field];
      }
      : (): unknown => NOT_YET_KNOWN;
    Object.defineProperty(Group.prototype, field, { get, enumerable: true });
  }
  registerMessageClass(Group, Object.keys(fields));
  return Group;
}
