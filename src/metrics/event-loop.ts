// Resolution of ctxproc's event-loop delay metrics.

/**
 * Period of the timer that samples event-loop delay unless
 * --event-loop-resolution sets another, in milliseconds: prom-client's
 * default. The histogram records the time between two runs of that timer,
 * so a block of the loop that starts late in a period reads up to one
 * period short. At 10 ms, a 12 ms block can read as 2 ms past the period.
 * At 1 ms the readings are within 1 ms, but the timer cost an idle ctxproc
 * 16 ms of CPU a second, against 1.9 ms at 10 ms.
 */
export const DEFAULT_EVENT_LOOP_RESOLUTION_MS = 10;

/** Resolution the benchmarks start ctxproc with, so that stalls read within 1 ms. */
export const BENCH_EVENT_LOOP_RESOLUTION_MS = 1;
