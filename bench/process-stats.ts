// Reads a process's CPU time and memory from Linux's /proc, so the
// benchmark measures each server from outside, the same way for ctxproc and
// the baseline.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on most Linux builds). */
const CLOCK_TICKS = readClockTicks();

/** Returns the user plus system CPU time the process has used, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name in field 2 may contain spaces, so count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1_000_000) / CLOCK_TICKS;
}

/** Returns the resolution of `cpuMicros`, in microseconds. */
export function cpuResolutionMicros(): number {
  return 1_000_000 / CLOCK_TICKS;
}

/** Returns the peak (VmHWM) and current (VmRSS) resident set size, in MiB. */
export function memoryMb(pid: number): { peakRssMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMb: kib('VmHWM') / 1024, rssMb: kib('VmRSS') / 1024 };
}

function readClockTicks(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/**
 * Returns the time the process's main thread, which runs the event loop, has
 * waited in the kernel's run queue for a core, in microseconds: the third
 * view of CPU contention besides the CPU time used and the event-loop
 * delay. Linux reports it in nanoseconds, second field of
 * /proc/<pid>/schedstat. Returns NaN where the kernel does not provide it.
 */
export function runQueueWaitMicros(pid: number | 'thread-self'): number {
  try {
    const path = pid === 'thread-self' ? '/proc/thread-self/schedstat' : `/proc/${pid}/schedstat`;
    return Number(readFileSync(path, 'utf8').split(' ')[1]) / 1000;
  } catch {
    return NaN;
  }
}
