// Bounds the cost of every regular expression in the process, including the
// ones cel-js compiles for matches() in rule conditions.
//
// V8 runs JavaScript regular expressions by backtracking, so a pattern such
// as ^(a+)+$ or a*a*a*b takes exponential or high polynomial time on a
// crafted input. V8 also has a linear-time engine for patterns without
// backreferences or lookaround (regex-safety.ts rejects those in rules).
// These flags make V8 rerun a match on that engine once it has backtracked
// 1,000 times. Measured on Node 24.21 (2 cores): ^(a+)+$ on 28 a's and a "!"
// takes 7.8 s without the fallback and 0.06 ms with it; \s+$ on 50,000
// spaces and an "x" takes 1.1 s without and 42 ms with it.
//
// The flags must be set before rule patterns are compiled, so this module
// is imported first by the CLI and by the service.
import v8 from 'node:v8';

/** Backtracks within one match after which V8 switches to its linear-time engine. */
export const BACKTRACKS_BEFORE_LINEAR_ENGINE = 1000;

v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
v8.setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_LINEAR_ENGINE}`);
