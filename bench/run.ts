// `npm run bench`: starts each scenario's server pinned to one core and the
// load driver pinned to the other, measures, and prints a table and, with
// --json, one JSON object on the last line.
//
// Options: --quick (short windows, under two minutes), --json,
// --scenarios a,b (those and their baselines), --no-pin, --cpu-prof DIR
// (writes a V8 CPU profile of each server into DIR, named after its scenario).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriverProcess } from './driver-process.js';
import { FULL_PROFILE, measureScenario, QUICK_PROFILE, type Profile } from './measure.js';
import { checkTargets, formatTable, machineReport, scenarioReport, withRatios } from './report.js';
import { writeRuleSet } from './rule-sets.js';
import { readCommandLine, type OptionSpec, type ScriptSpec } from './lib/options.js';
import { SCENARIOS, selectScenarios, type Scenario } from './scenarios.js';
import { CTXPROC_NODE_FLAGS, startBaseline, startCtxproc, type ServerUnderTest } from './servers.js';

const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The driver takes core 0 and the server core 1, when the machine has two cores and taskset. */
const DRIVER_CORE = 0;
const SERVER_CORE = 1;

const SCRIPT = {
  name: 'bench',
  command: 'npm run bench --',
  summary: 'Starts each scenario\'s server pinned to one core and the load driver pinned to the other, measures, and prints a table.',
  options: {
    quick: { type: 'boolean', help: 'short measuring windows, under two minutes in all' },
    json: { type: 'boolean', help: 'also prints one JSON object with every figure on the last line' },
    scenarios: { type: 'string', value: 'NAMES', help: `scenarios to run, comma-separated, with the baselines they compare with (default: all): ${SCENARIOS.map((scenario) => scenario.name).join(', ')}` },
    'no-pin': { type: 'boolean', help: 'does not pin the driver and the servers to cores with taskset' },
    'cpu-prof': { type: 'string', value: 'DIR', help: 'writes a V8 CPU profile of each server into DIR, named after its scenario (default: none)' },
  },
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

async function main(): Promise<void> {
  const values = readCommandLine(SCRIPT, (commandLine) => ({
    ...commandLine.values,
    scenarios: commandLine.values.scenarios === undefined ? null : commandLine.names('scenarios', SCENARIOS.map((scenario) => scenario.name)),
  }));
  const profile: Profile = values.quick ? QUICK_PROFILE : FULL_PROFILE;
  const scenarios = selectScenarios(values.scenarios);
  const pinned = !values['no-pin'] && canPin();
  const startedAt = Date.now();

  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'ctxproc-bench-'));
  const driver = DriverProcess.start(REPOSITORY_ROOT, pinned ? DRIVER_CORE : null);
  const reports = new Map<string, ReturnType<typeof scenarioReport>>();
  let latencyFloor: ServerUnderTest | null = null;
  try {
    if (scenarios.some(comparesWithFloor)) {
      latencyFloor = await startLatencyFloor(pinned ? SERVER_CORE : null);
    }
    for (const scenario of scenarios) {
      progress(`${scenario.name}: running`);
      const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`, `--cpu-prof-name=${scenario.name}.cpuprofile`] : [];
      const server = await startServer(scenario, workDirectory, pinned ? SERVER_CORE : null, nodeArgs);
      try {
        reports.set(scenario.name, scenarioReport(await measureScenario(scenario, server, driver, profile, comparesWithFloor(scenario) ? latencyFloor : null)));
      } finally {
        await server.stop();
      }
    }
  } finally {
    await latencyFloor?.stop();
    driver.stop();
    rmSync(workDirectory, { recursive: true, force: true });
  }

  const scenarioReports = withRatios(scenarios, reports);
  process.stdout.write(`${formatTable(scenarioReports)}\n`);
  const summary = {
    scenarios: scenarioReports,
    targets: checkTargets(scenarioReports),
    machine: machineReport(pinned),
    profile: values.quick ? 'quick' : 'full',
    window_ms: profile.windowMs,
    windows: profile.windows,
    open_loop_warmup_ms: profile.openLoopWarmupMs,
    open_loop_ms: profile.openLoopMs,
    duration_s: Math.round((Date.now() - startedAt) / 1000),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(`${formatTargets(summary.targets)}\n`);
  }
}

/** ctxproc's throughput scenarios get `p99_added_ms`, and the reference servers skip it to keep `--quick` under two minutes. */
function comparesWithFloor(scenario: Scenario): boolean {
  return scenario.server === 'ctxproc' && scenario.load === 'throughput';
}

/**
 * Starts the node:http2 floor that every ctxproc throughput scenario's open loop is
 * repeated against, at that scenario's rate, for `p99_added_ms`. It runs
 * with ctxproc's Node flags, so the difference leaves out the young
 * generation's size and keeps what ctxproc's code adds. It idles on the
 * server core while the other servers are measured.
 */
function startLatencyFloor(core: number | null): Promise<ServerUnderTest> {
  return startBaseline(REPOSITORY_ROOT, core, CTXPROC_NODE_FLAGS, 'http2_floor');
}

function startServer(scenario: Scenario, workDirectory: string, core: number | null, nodeArgs: string[]): Promise<ServerUnderTest> {
  if (scenario.server !== 'ctxproc') {
    return startBaseline(REPOSITORY_ROOT, core, nodeArgs, scenario.server);
  }
  const rules = writeRuleSet(path.join(workDirectory, scenario.name), REPOSITORY_ROOT, scenario.rules ?? { generated: 0 });
  return startCtxproc(REPOSITORY_ROOT, rules, core, nodeArgs, scenario.serveArgs ?? []);
}

/** True when taskset exists and the machine has the two cores the driver and server need. */
function canPin(): boolean {
  if (os.availableParallelism() < 2) {
    progress('one core only: the driver and the server share it, so figures include their contention');
    return false;
  }
  try {
    execFileSync('taskset', ['-c', String(SERVER_CORE), 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    progress('taskset is missing or failed: processes are not pinned to cores');
    return false;
  }
}

function formatTargets(targets: ReturnType<typeof checkTargets>): string {
  return Object.entries(targets)
    .map(([name, target]) => `${target.met === null ? (target.note ? 'unjudged' : 'not run') : target.met ? 'met    ' : 'MISSED '} ${name}: ${target.value} (limit ${target.limit}) ${target.description}${target.note ? `; ${target.note}` : ''}`)
    .join('\n');
}

function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
