// `ctxproc check PATH`: validates a rule file or directory offline, the way
// serve would before activating it: parse, schema, CEL, phases, and the
// rule tests. Exits 0 when the set is valid, 1 when it is not.
import type { Command } from 'commander';
import { loadRuleSet, type RuleLoadOptions } from '../rules/load.js';
import { formatProblem, RuleLoadError, type RuleProblem } from '../rules/problems.js';
import { failuresAsProblems, runRuleTests } from '../rules/testing/run-tests.js';
import type { RuleSet } from '../rules/types.js';
import { RULE_LIMIT_SETTINGS, ruleLimitsOrExit } from './rule-limits-option.js';
import { addSettingOptions } from './serve.js';
import { sinkNamesOption, type SinksOption } from './sinks-option.js';

interface CheckOptions extends SinksOption {
  json?: boolean;
}

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description('Validate a rule file or directory and run its rule tests, without Envoy; exit 1 on any problem.')
    .argument('<path>', 'rule file, or directory of *.yaml and *.yml files (a ConfigMap mount works)')
    .option('--json', 'print the result as one JSON object instead of text')
    .option('--sinks <file>', 'sinks file that serve will use, so log actions may name its sinks (default: only stdout)');
  addSettingOptions(command, RULE_LIMIT_SETTINGS)
    .action((target: string, options: CheckOptions, self: Command) => runCheck(target, options, self));
}

async function runCheck(target: string, options: CheckOptions, command: Command): Promise<void> {
  const { ruleSet, problems } = await checkRuleSet(target, { sinkNames: sinkNamesOption(options), ...ruleLimitsOrExit(command) });

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ valid: problems.length === 0, version: ruleSet?.version ?? null, rule_count: ruleSet?.rules.length ?? null, test_count: ruleSet?.tests.length ?? null, problems })}\n`);
  } else if (problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    process.stdout.write(`${problems.map(formatProblem).join('\n')}\n\n${target}: invalid rule set, ${count}\n`);
  } else if (ruleSet !== null) {
    process.stdout.write(`${target}: valid rule set ${ruleSet.version}: ${plural(ruleSet.rules.length, 'rule')} in ${plural(ruleSet.files.length, 'file')}, ${plural(ruleSet.tests.length, 'rule test')} passed\n`);
  }
  process.exitCode = problems.length === 0 ? 0 : 1;
}

/** Loads target and runs its tests; returns the set when it loaded, and every problem found. */
export async function checkRuleSet(target: string, loadOptions: RuleLoadOptions = {}): Promise<{ ruleSet: RuleSet | null; problems: RuleProblem[] }> {
  let ruleSet: RuleSet;
  try {
    ruleSet = loadRuleSet(target, loadOptions);
  } catch (error) {
    if (error instanceof RuleLoadError) {
      return { ruleSet: null, problems: [...error.problems] };
    }
    throw error;
  }

  return { ruleSet, problems: failuresAsProblems(await runRuleTests(ruleSet)) };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
