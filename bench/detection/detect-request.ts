// Measures the CPU time detectRequest takes on a typical request of about
// 1 KB: browser headers, a query string, a cookie and a small JSON body,
// no attack. Run: npm run bench:detection (builds first).
// Prints microseconds of process CPU time per call, the fastest of ROUNDS
// timed rounds, because on a shared machine other processes only add time.
// An attack request is timed too, since matching stops early for it.
import { detectRequest } from '../../src/detection/index.js';
import { readCommandLine } from '../lib/options.js';
import { ATTACK, cpuMicrosecondsPerCall, requestSize, TYPICAL } from './typical-request.js';

const SCRIPT = {
  name: 'bench:detection',
  command: 'npm run bench:detection --',
  summary: 'Prints the CPU time detectRequest takes on a typical request of about 1 KB and on an attack request. It takes no options.',
  options: {},
};

readCommandLine(SCRIPT, () => undefined);

console.log(`typical request (${requestSize(TYPICAL)} bytes): ${cpuMicrosecondsPerCall(() => detectRequest(TYPICAL)).toFixed(1)} µs CPU per detectRequest`);
console.log(`attack request (${requestSize(ATTACK)} bytes): ${cpuMicrosecondsPerCall(() => detectRequest(ATTACK)).toFixed(1)} µs CPU per detectRequest`);
