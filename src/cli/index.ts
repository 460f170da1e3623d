#!/usr/bin/env node
// The ctxproc command line: `serve` runs the ext_proc service, `replay`
// pushes recorded traffic through one. Every setting is a flag and an
// environment variable (flags win), as `ctxproc <command> --help` lists.
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerReplayCommand } from './replay.js';
import { registerServeCommand } from './serve.js';

const packageJson = createRequire(import.meta.url)('../../../package.json') as { version: string };

const program = new Command()
  .name('ctxproc')
  .description('Security context processor for Envoy: an ext_proc service that runs runtime rules on each HTTP transaction and writes Datadog-ready security events.')
  .version(packageJson.version)
  .showHelpAfterError('(run with --help for usage)');

registerServeCommand(program);
registerReplayCommand(program);

await program.parseAsync(process.argv);
