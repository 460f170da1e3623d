#!/usr/bin/env node
// The ctxproc command line: `serve` runs the ext_proc service, `replay`
// pushes recorded traffic through one, `check` and `test` validate rules
// offline, and `schema` prints the JSON Schema of rule files. Every setting
// is a flag and an environment variable (flags win), as
// `ctxproc <command> --help` lists.
// First, so that V8's linear-time regexp fallback is on before any rule loads.
import '../runtime/linear-regexp.js';
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerCheckCommand } from './check.js';
import { registerEnvoyConfigCommand } from './envoy-config.js';
import { registerReplayCommand } from './replay.js';
import { registerSchemaCommand } from './schema.js';
import { registerServeCommand } from './serve.js';
import { registerTestCommand } from './test.js';

const packageJson = createRequire(import.meta.url)('../../../package.json') as { version: string };

const program = new Command()
  .name('ctxproc')
  .description('Security context processor for Envoy: an ext_proc service that runs runtime rules on each HTTP transaction and writes Datadog-ready security events.')
  .version(packageJson.version)
  .showHelpAfterError('(run with --help for usage)');

// Usage errors exit 2, as invalid setting values do; help and version exit 0.
program.exitOverride((error) => {
  process.exit(error.exitCode === 0 ? 0 : 2);
});

registerServeCommand(program);
registerReplayCommand(program);
registerCheckCommand(program);
registerTestCommand(program);
registerSchemaCommand(program);
registerEnvoyConfigCommand(program);

await program.parseAsync(process.argv);
