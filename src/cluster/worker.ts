// The worker side of `serve --workers`: reports readiness and the active
// rules to the primary, and lets the primary's admin server collect this
// worker's metrics.
import { AggregatorRegistry } from 'prom-client';
import type { RunningService } from '../service.js';
import { WORKER_INDEX_ENV, type WorkerReady } from './messages.js';

/** Returns this process's worker index, or undefined when it is not a `serve --workers` worker. */
export function workerIndex(): number | undefined {
  const value = process.env[WORKER_INDEX_ENV];
  return value === undefined || process.send === undefined ? undefined : Number(value);
}

/** Reports to the primary that this worker serves, and from now on returns this worker's metrics when the primary requests them. */
export function announceWorker(service: RunningService): void {
  // prom-client handles the primary's metrics requests only once an
  // AggregatorRegistry has been constructed in the process (prom-client 15).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([service.metrics.registry]);
  const ready: WorkerReady = {
    ctxproc: 'ready',
    grpcPort: service.grpcPort,
    rulesVersion: service.ruleSet.version,
    ruleCount: service.ruleSet.rules.length,
    rulesLoadedAt: service.ruleSet.loadedAt.toISOString(),
    rulesFiles: service.ruleSet.files,
  };
  process.send!(ready);
}
