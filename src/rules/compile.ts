// Turns the rules of schema-checked files into CompiledRules. It compiles
// each CEL expression and each action (through the action registry), infers
// each rule's phase, and checks what the schema cannot: ids unique across
// files, and actions that cannot take effect in their rule's phase.
import { Phase, PHASE_NAMES } from '../model/phase.js';
import { ACTIONS, isActionName } from './actions/registry.js';
import { laterNeed } from './attribute-reads.js';
import type { PhaseNeed } from './attribute-reads.js';
import { compileExpression } from './cel.js';
import type { CompiledExpression, ExpectedType } from './cel.js';
import { namedListsOf, type NamedLists } from './functions/named-lists.js';
import type { PathSegment, SourceFile } from './source.js';
import type { ActionCompiler, ActionName, CompiledAction, CompiledRule, RuleMode } from './types.js';

/** A rule as the schema admits it. */
interface RuleDocument {
  id: string;
  description: string;
  when?: string;
  mode?: RuleMode;
  actions: Array<Record<string, unknown>>;
}

/** State shared by the files of one load: ids seen so far and the rules compiled. */
export class CompileState {
  readonly rules: CompiledRule[] = [];

  constructor(readonly sinkNames: ReadonlySet<string>) {}

  // Where each id is defined, kept as numbers and formatted only for a
  // duplicate, because a reload of thousands of rules keeps them until it ends.
  readonly #definitions = new Map<string, IdLocation>();

  /** Registers id at location; returns the earlier location, as file:line:column, when id is taken. */
  claimId(id: string, location: IdLocation): string | undefined {
    const earlier = this.#definitions.get(id);
    if (earlier === undefined) {
      this.#definitions.set(id, location);
      return undefined;
    }
    return `${earlier.path}:${earlier.line}:${earlier.column}`;
  }

  /** Ids of every rule written in the files, compiled or rejected. */
  get writtenIds(): ReadonlySet<string> {
    return new Set(this.#definitions.keys());
  }
}

interface IdLocation {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

/** Compiles every rule of file whose own values passed the schema; problems go to file. */
export function compileFile(file: SourceFile, invalidPaths: readonly PathSegment[][], state: CompileState): void {
  const steps = compileFileSteps(file, invalidPaths, state);
  while (!steps.next().done) {
    // Each step compiles one rule.
  }
}

/** Does what compileFile does, one rule per step, so that a live reload can yield to serving between rules. */
export function* compileFileSteps(file: SourceFile, invalidPaths: readonly PathSegment[][], state: CompileState): Generator<void, void> {
  const data = file.data as { metadata?: { name?: unknown }; rules?: unknown; lists?: unknown } | null;
  if (data === null || typeof data !== 'object' || !Array.isArray(data.rules)) {
    return;
  }

  const ruleSetName = typeof data.metadata?.name === 'string' ? data.metadata.name : '';
  const lists = namedListsOf(data.lists);
  const rules: unknown[] = data.rules;
  for (const [index, rule] of rules.entries()) {
    const path = ['rules', index];
    checkId(file, rule, path, state);

    // A rule with a schema error has an unknown shape, so compiling it would
    // only add confusing follow-up problems.
    const hasSchemaError = invalidPaths.some((invalid) => invalid[0] === 'rules' && (invalid.length === 1 || invalid[1] === index));
    if (!hasSchemaError) {
      compileRule(file, rule as RuleDocument, path, ruleSetName, state, lists);
    }
    yield;
  }
}

function checkId(file: SourceFile, rule: unknown, path: PathSegment[], state: CompileState): void {
  const id = (rule as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') {
    return;
  }

  const { line, column } = file.locate([...path, 'id']);
  const earlier = state.claimId(id, { path: file.path, line, column });
  if (earlier !== undefined) {
    file.report('duplicate_id', [...path, 'id'], `duplicate rule id '${id}': already defined at ${earlier}; ids must be unique across all loaded files`);
  }
}

function compileRule(file: SourceFile, rule: RuleDocument, path: PathSegment[], ruleSetName: string, state: CompileState, lists: NamedLists): void {
  const problemsBefore = file.problems.length;

  const attributes = new Set<string>();
  const condition = rule.when === undefined ? null : compileAt(file, rule.when, [...path, 'when'], 'bool', 'when', attributes, lists);
  const actions = compileActions(file, rule, path, { attributes, lists, sinkNames: state.sinkNames });

  let need: PhaseNeed = condition === null ? { phase: Phase.RequestHeaders, attribute: null } : { phase: condition.phase, attribute: condition.phaseAttribute };
  for (const { action } of actions) {
    need = laterNeed(need, action.need);
  }
  checkEffects(file, rule.id, path, actions, need);

  if (file.problems.length > problemsBefore) {
    return;
  }
  state.rules.push({
    id: rule.id,
    description: rule.description,
    index: state.rules.length,
    ruleSetName,
    file: file.path,
    line: file.locate(path).line,
    phase: need.phase,
    phaseAttribute: need.attribute,
    mode: rule.mode ?? 'enforce',
    condition,
    actions: actions.map(({ action }) => action),
    attributes: attributesOf(attributes, condition),
  });
}

/**
 * Returns the rule's attributes as a list. Most rules' actions read nothing
 * beyond the condition, and then the condition's own list is returned, so a
 * large set keeps one list per rule.
 */
function attributesOf(attributes: ReadonlySet<string>, condition: CompiledExpression | null): readonly string[] {
  if (condition !== null && condition.attributes.length === attributes.size) {
    return condition.attributes;
  }
  return [...attributes];
}

/** A compiled action and its index in the rule's actions list. */
interface PlacedAction {
  index: number;
  action: CompiledAction;
}

/** Values shared while one rule's actions compile: the attributes they read, the file's named lists and the declared sinks. */
interface ActionScope {
  attributes: Set<string>;
  lists: NamedLists;
  sinkNames: ReadonlySet<string>;
}

function compileActions(file: SourceFile, rule: RuleDocument, rulePath: PathSegment[], scope: ActionScope): PlacedAction[] {
  const actions: PlacedAction[] = [];
  let blocks = 0;

  rule.actions.forEach((entry, index) => {
    const [name, args] = Object.entries(entry)[0] ?? [];
    if (name === undefined || !isActionName(name)) {
      return;
    }

    const path = [...rulePath, 'actions', index, name];
    blocks += name === 'block' ? 1 : 0;
    if (name === 'block' && blocks > 1) {
      file.report('multiple_blocks', [...rulePath, 'actions', index], `rule '${rule.id}' has more than one block action; keep one, because only the first block of a transaction takes effect`);
    }

    const compiled = compileAction(name, args, actionCompiler(file, rule.id, name, path, scope));
    if (compiled !== null) {
      actions.push({ index, action: compiled });
    }
  });
  return actions;
}

function compileAction<N extends ActionName>(name: N, args: unknown, compiler: ActionCompiler): CompiledAction | null {
  const definition = ACTIONS[name];
  return definition.compile(args as Parameters<typeof definition.compile>[0], compiler);
}

function actionCompiler(file: SourceFile, ruleId: string, name: ActionName, base: PathSegment[], scope: ActionScope): ActionCompiler {
  return {
    ruleId,
    sinkNames: scope.sinkNames,
    expression: (source, path, expected) => compileAt(file, source, [...base, ...path], expected, [name, ...path].join('.'), scope.attributes, scope.lists),
    report: (code, path, message, anchor) => file.report(code, [...base, ...path], message, anchor),
  };
}

/** Compiles one expression, reporting its problems; adds what it reads to attributes. lists are the file's named lists. */
function compileAt(file: SourceFile, source: string, path: PathSegment[], expected: ExpectedType, use: string, attributes: Set<string>, lists: NamedLists): CompiledExpression | null {
  const result = compileExpression(source, expected, use, { lists });
  for (const problem of result.problems) {
    file.report(problem.code, path, problem.message, { offset: problem.offset });
  }
  result.expression?.attributes.forEach((attribute) => attributes.add(attribute));
  return result.expression;
}

function checkEffects(file: SourceFile, ruleId: string, rulePath: PathSegment[], actions: PlacedAction[], need: PhaseNeed): void {
  for (const { index, action } of actions) {
    const effect = action.effect;
    if (effect === null || need.phase <= effect.deadline) {
      continue;
    }

    const message =
      `${action.name} in rule '${ruleId}' cannot take effect: ${effect.description} must be sent by the ${PHASE_NAMES[effect.deadline]} phase, ` +
      `but the rule runs in the ${PHASE_NAMES[need.phase]} phase because it reads ${need.attribute ?? 'nothing'}; ` +
      `move the action to a rule that reads nothing later than ${PHASE_NAMES[effect.deadline]}`;
    file.report('phase_conflict', [...rulePath, 'actions', index], message);
  }
}
