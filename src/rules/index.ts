// The rule engine's public surface: load a rule set, run it per transaction.
export { loadRuleSet } from './load.js';
export { RuleEngine } from './engine.js';
export type { RuleRun } from './engine.js';
export { RuleLoadError, formatProblem, PROBLEM_CODES } from './problems.js';
export type { ProblemCode, RuleProblem } from './problems.js';
export { ruleSetSchemaPath } from './schema.js';
export type { ActionName, CompiledAction, CompiledRule, RuleSet } from './types.js';
