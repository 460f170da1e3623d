// Prints where a V8 CPU profile (.cpuprofile, from node --cpu-prof) spends
// its busy time: the functions with the most self time, and self time summed
// by package or project folder. Idle time is left out of the percentages.
//
// Usage: node dist/bench/profile-summary.js FILE [TOP]; --help lists the arguments.
import { existsSync, readFileSync } from 'node:fs';
import { readCommandLine, readWholeNumber, UsageError, type OptionSpec, type ScriptSpec } from './lib/options.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Returns self time in microseconds per profile node id. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    times.set(id, (times.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return times;
}

/** Names the package (node_modules/<name>), the project folder (dist/src/<folder>) or the Node internals a script URL belongs to. */
export function moduleOf(url: string): string {
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) {
    return packageMatch[1]!;
  }
  const projectMatch = /dist\/(src\/[^/]+|bench)/.exec(url);
  if (projectMatch) {
    return projectMatch[1]!.replace(/\.js$/, '');
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  return url === '' ? '(native code and garbage collection)' : url;
}

/** Functions listed when TOP is not given. */
const DEFAULT_TOP = 40;

const SCRIPT = {
  name: 'profile-summary',
  command: 'node dist/bench/profile-summary.js',
  summary: `Prints where a V8 CPU profile FILE (from node --cpu-prof) spends its busy time: the TOP functions by self time (default: ${DEFAULT_TOP}) and self time by package or folder.`,
  positionals: 'FILE [TOP]',
  options: {},
} as const satisfies ScriptSpec<Record<string, OptionSpec>>;

function readArguments(): { file: string; top: number } {
  return readCommandLine(SCRIPT, (commandLine) => {
    const [file, topText, ...extra] = commandLine.positionals;
    if (file === undefined) {
      throw new UsageError('FILE is missing; expected the path of a .cpuprofile file');
    }
    if (extra.length > 0) {
      throw new UsageError(`too many arguments: ${commandLine.positionals.join(' ')}; expected FILE and at most one TOP`);
    }
    if (!existsSync(file)) {
      throw new UsageError(`FILE is "${file}", which does not exist; expected the path of a .cpuprofile file`);
    }
    return { file, top: topText === undefined ? DEFAULT_TOP : readWholeNumber('TOP', topText, { min: 1 }) };
  });
}

function main(): void {
  const { file, top } = readArguments();
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const times = selfTimes(profile);
  for (const id of times.keys()) {
    if (nodes.get(id)!.callFrame.functionName === '(idle)') {
      times.delete(id);
    }
  }
  const total = [...times.values()].reduce((sum, value) => sum + value, 0);

  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const [id, time] of times) {
    const frame = nodes.get(id)!.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
    byModule.set(moduleOf(frame.url), (byModule.get(moduleOf(frame.url)) ?? 0) + time);
  }

  const print = (title: string, entries: Map<string, number>, top: number): void => {
    process.stdout.write(`${title}\n`);
    for (const [name, time] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((time * 100) / total).toFixed(1).padStart(6)}%  ${name}\n`);
    }
  };
  print(`self time by module (busy ${(total / 1e6).toFixed(2)} s)`, byModule, 25);
  print('self time by function', byFunction, top);
}

main();
