// Prints where a V8 CPU profile (.cpuprofile, from node --cpu-prof) spends
// its busy time: the functions with the most self time, and self time summed
// by package or project folder. Idle time is left out of the percentages.
//
// Usage: node dist/bench/profile-summary.js FILE [TOP]
import { readFileSync } from 'node:fs';

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

function main(): void {
  const [file, topText] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
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
  print('self time by function', byFunction, Number(topText ?? 40));
}

main();
