// `ctxproc envoy-config`: prints the ext_proc filter settings a rule set
// needs (processing mode, allow_mode_override and request_attributes) as
// YAML to paste into the Envoy filter config.
import type { Command } from 'commander';
import { envoyConfigYaml, filterNeeds } from '../rules/envoy-config.js';
import { loadRuleSet } from '../rules/load.js';
import { RuleLoadError, formatProblem } from '../rules/problems.js';

interface EnvoyConfigOptions {
  rules: string;
}

export function registerEnvoyConfigCommand(program: Command): void {
  program
    .command('envoy-config')
    .description('Print the ext_proc filter settings (processing_mode, allow_mode_override, request_attributes) that the rules need, as Envoy YAML.')
    .option('--rules <path>', 'rules file, or directory whose *.yaml and *.yml files are loaded', process.env['CTXPROC_RULES'] ?? 'rules')
    .action((options: EnvoyConfigOptions) => {
      printEnvoyConfig(options.rules);
    });
}

function printEnvoyConfig(target: string): void {
  try {
    const ruleSet = loadRuleSet(target);
    process.stdout.write(envoyConfigYaml(filterNeeds(ruleSet.rules), ruleSet.version));
  } catch (error) {
    if (!(error instanceof RuleLoadError)) {
      throw error;
    }
    process.stderr.write(`${error.problems.map(formatProblem).join('\n')}\n${target}: invalid rule set; fix the problems above, or check them with: ctxproc check ${target}\n`);
    process.exitCode = 1;
  }
}
