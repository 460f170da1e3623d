// The rule-set limits of serve (--max-rules, --max-rule-file-bytes) on the
// offline commands (check, test), so a set that serve accepts under raised
// limits also checks, and one it would reject fails here first.
import type { Command } from 'commander';
import type { Settings } from '../config/settings.js';
import { settingsOrExit } from './serve.js';

export const RULE_LIMIT_SETTINGS: readonly (keyof Settings)[] = ['maxRules', 'maxRuleFileBytes'];

/** Reads the limits from the command's flags or environment; exits 2 with the reason when one is invalid. */
export function ruleLimitsOrExit(command: Command): { maxRules: number; maxRuleFileBytes: number } {
  const settings = settingsOrExit(command);
  return { maxRules: settings.maxRules, maxRuleFileBytes: settings.maxRuleFileBytes };
}
