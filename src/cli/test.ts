// `ctxproc test PATH`: runs the rule tests of a rule file or directory and
// prints a report, one line per test. Exits 0 when every test passes, 1 when
// a test fails or the rules do not load, so CI can gate rule changes on it.
import type { Command } from 'commander';
import { loadRuleSet } from '../rules/load.js';
import { formatProblem, RuleLoadError } from '../rules/problems.js';
import { formatTestReport } from '../rules/testing/report.js';
import { runRuleTests } from '../rules/testing/run-tests.js';
import type { RuleSet } from '../rules/types.js';
import { RULE_LIMIT_SETTINGS, ruleLimitsOrExit } from './rule-limits-option.js';
import { addSettingOptions } from './serve.js';
import { sinkNamesOption, type SinksOption } from './sinks-option.js';

export function registerTestCommand(program: Command): void {
  const command = program
    .command('test')
    .description('Run the rule tests (the tests: lists) of a rule file or directory through a local ctxproc server; exit 1 when one fails.')
    .argument('<path>', 'rule file, or directory of *.yaml and *.yml files (a ConfigMap mount works)')
    .option('--sinks <file>', 'sinks file that serve will use, so log actions may name its sinks (default: only stdout)');
  addSettingOptions(command, RULE_LIMIT_SETTINGS)
    .action((target: string, options: SinksOption, self: Command) => runTest(target, options, self));
}

async function runTest(target: string, options: SinksOption, command: Command): Promise<void> {
  let ruleSet: RuleSet;
  try {
    ruleSet = loadRuleSet(target, { sinkNames: sinkNamesOption(options), ...ruleLimitsOrExit(command) });
  } catch (error) {
    if (!(error instanceof RuleLoadError)) {
      throw error;
    }
    process.stdout.write(`${error.problems.map(formatProblem).join('\n')}\n\n${target}: the rules do not load, so no test ran; fix the problems above\n`);
    process.exitCode = 1;
    return;
  }

  const report = await runRuleTests(ruleSet);
  if (report.results.length === 0) {
    process.stdout.write(`${target}: no rule tests; add a tests: list to a rule file\n`);
  } else {
    process.stdout.write(formatTestReport(report));
  }
  process.exitCode = report.failed === 0 ? 0 : 1;
}
