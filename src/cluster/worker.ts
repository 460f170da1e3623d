// The worker side of `serve --workers`: reports readiness and the active
// rules to the primary, and lets the primary's admin server collect this
// worker's metrics.
import { AggregatorRegistry } from 'prom-client';
import type { RulesStatus } from '../rules/reload/live-rules.js';
import type { RunningService } from '../service.js';
import { WORKER_INDEX_ENV, type WorkerReady } from './messages.js';

/** Returns this process's worker index, or undefined when it is not a `serve --workers` worker. */
export function workerIndex(): number | undefined {
  const value = process.env[WORKER_INDEX_ENV];
  return value === undefined || process.send === undefined ? undefined : Number(value);
}

/** How often a worker looks for a rule reload to report, in milliseconds; well under the 2 s a reload may take. */
const RULES_REPORT_INTERVAL_MS = 500;

/**
 * Reports to the primary that this worker serves, and from now on returns
 * this worker's metrics when the primary requests them. Each worker reloads
 * its rules itself; a change of its active or rejected set is reported again,
 * so the primary's /rules shows every worker's version.
 */
export function announceWorker(service: RunningService): void {
  // prom-client handles the primary's metrics requests only once an
  // AggregatorRegistry has been constructed in the process (prom-client 15).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([service.metrics.registry]);

  let reported = '';
  const report = (): void => {
    const rules = service.rulesStatus();
    const signature = `${rules.version}|${rules.lastRejected?.at ?? ''}`;
    if (signature === reported || !process.connected) {
      return;
    }
    reported = signature;
    process.send!(readyMessage(service, rules));
  };

  report();
  setInterval(report, RULES_REPORT_INTERVAL_MS).unref();
}

function readyMessage(service: RunningService, rules: RulesStatus): WorkerReady {
  return {
    ctxproc: 'ready',
    grpcPort: service.grpcPort,
    rulesVersion: rules.version,
    ruleCount: rules.ruleCount,
    rulesLoadedAt: rules.loadedAt,
    rulesFiles: rules.files,
    rules,
  };
}
