// `ctxproc schema`: prints the JSON Schema of rule files, so that users can
// keep a copy beside their rules, where editors find it through a
// `# yaml-language-server: $schema=...` line.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ruleSetSchemaPath } from '../rules/schema.js';

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema of rule files (draft 2020-12), for editors and CI validators.')
    .action(() => {
      process.stdout.write(readFileSync(ruleSetSchemaPath(), 'utf8'));
    });
}
