// The primary process of `serve --workers N`: forks N workers that share the
// gRPC port through Node's cluster module, restarts a worker that dies, and
// runs the one admin server, where health, readiness, rules and metrics of
// all workers are aggregated.
//
// Node's cluster hands each new TCP connection to the next worker in turn
// (round-robin, the default on Linux). Envoy keeps a few long-lived HTTP/2
// connections to ctxproc and opens every stream on one of them, so streams
// are spread only as evenly as Envoy's connections are.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { startAdminServer, type RunningAdminServer } from '../admin/admin-server.js';
import { parseAddress, type Settings } from '../config/settings.js';
import { CtxprocError } from '../errors/codes.js';
import type { RulesStatus } from '../rules/reload/live-rules.js';
import { isWorkerMessage, WORKER_INDEX_ENV, type WorkerReady } from './messages.js';

/** A worker that dies this many times within RESTART_WINDOW_MS stops the whole service: the fault is not transient. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

interface WorkerSlot {
  index: number;
  worker: Worker;
  ready: WorkerReady | null;
  restarts: number[];
}

export interface RunningPrimary {
  adminPort: number | null;
  grpcPort: number;
  /** Sends SIGTERM to every worker, waits for them to exit, and closes the admin server. */
  stop(): Promise<void>;
}

/** Forks the workers and resolves once all of them serve; rejects if one exits before it is ready. */
export async function startPrimary(settings: Settings, logger: Logger, onFatal: (error: CtxprocError) => void): Promise<RunningPrimary> {
  const aggregator = new AggregatorRegistry();
  const slots: WorkerSlot[] = [];
  let stopping = false;

  const fork = (slot: Omit<WorkerSlot, 'worker' | 'ready'>): WorkerSlot => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index) });
    const filled: WorkerSlot = { ...slot, worker, ready: null };
    worker.on('message', (message: unknown) => {
      // Sent at start and again after each reload the worker applied or rejected.
      if (isWorkerMessage(message)) {
        filled.ready = message;
      }
    });
    worker.on('exit', (code, signal) => {
      filled.ready = null;
      if (stopping) {
        return;
      }
      restart(filled, code, signal);
    });
    slots[slot.index] = filled;
    return filled;
  };

  const restart = (slot: WorkerSlot, code: number | null, signal: string | null): void => {
    const now = Date.now();
    const recent = [...slot.restarts.filter((at) => now - at < RESTART_WINDOW_MS), now];
    if (recent.length > MAX_RESTARTS) {
      onFatal(new CtxprocError('CTXPROC_WORKER_FAILED', `worker ${slot.index} exited ${recent.length} times within ${RESTART_WINDOW_MS / 1000} s (last exit code ${code}, signal ${signal}); see its log lines above`));
      return;
    }
    logger.error({ worker: slot.index, pid: slot.worker.process.pid, exit_code: code, signal, restarts: recent.length }, 'ctxproc worker exited; starting a new one');
    fork({ index: slot.index, restarts: recent });
  };

  // Workers get the same signal from a process manager or a terminal, and
  // one that exits because of it must not be restarted.
  const markStopping = (): void => {
    stopping = true;
  };
  process.once('SIGTERM', markStopping);
  process.once('SIGINT', markStopping);

  for (let index = 0; index < settings.workers; index += 1) {
    fork({ index, restarts: [] });
  }
  const grpcPort = await allReady(slots, settings.workers);

  const allServing = (): boolean => slots.every((slot) => slot.ready !== null);
  const admin: RunningAdminServer = await startAdminServer(settings.admin, {
    registry: { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType },
    isReady: () => !stopping && allServing(),
    rules: () => rulesStatus(slots),
    workers: () => slots.map(workerStatus),
  });

  logger.info(
    {
      listen: settings.listen,
      grpc_port: grpcPort,
      admin_host: parseAddress(settings.admin, '--admin').host,
      admin_port: admin.port,
      workers: settings.workers,
      reset_burst: settings.resetBurst,
      reset_rate: settings.resetRate,
      rules_version: rulesStatus(slots).version,
    },
    'ctxproc started',
  );

  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all(slots.map((slot) => stopWorker(slot.worker)));
    await admin.close();
    logger.info({ workers: slots.length }, 'ctxproc stopped');
  };
  return { adminPort: admin.port, grpcPort, stop };
}

/** Resolves with the shared gRPC port once every worker reported ready. */
function allReady(slots: WorkerSlot[], count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const ready = slots.filter((slot) => slot.ready !== null);
      if (ready.length === count) {
        cluster.off('message', onMessage);
        cluster.off('exit', onExit);
        resolve(ready[0]!.ready!.grpcPort);
      }
    };
    // The slot's own listener records the message; check after it ran.
    const onMessage = (): void => {
      setImmediate(check);
    };
    const onExit = (worker: Worker, code: number | null): void => {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
      reject(new CtxprocError('CTXPROC_WORKER_FAILED', `worker with pid ${worker.process.pid} exited with code ${code} before it served; its reason is in the log lines above`));
    };
    cluster.on('message', onMessage);
    cluster.on('exit', onExit);
  });
}

function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    worker.once('exit', () => resolve());
    // Each worker drains its own streams within --shutdown-grace.
    worker.process.kill('SIGTERM');
  });
}

/** The rules of all workers: one version when they agree, 'mixed' while a reload has reached only some. */
function rulesStatus(slots: WorkerSlot[]) {
  const ready = slots.map((slot) => slot.ready).filter((state): state is WorkerReady => state !== null);
  const versions = new Set(ready.map((state) => state.rulesVersion));
  const first = ready[0];
  let version = 'mixed';
  if (versions.size === 0) {
    version = 'none';
  } else if (versions.size === 1) {
    version = first!.rulesVersion;
  }
  return {
    version,
    loadedAt: first?.rulesLoadedAt ?? '',
    ruleCount: first?.ruleCount ?? 0,
    testCount: first?.rules.testCount ?? 0,
    files: first?.rulesFiles ?? [],
    lastRejected: latestRejection(ready),
    workers: slots.map(workerStatus),
  };
}

/** Returns the most recent rejected reload among the workers. Each worker checks the same files, so they reject the same set. */
function latestRejection(ready: readonly WorkerReady[]): RulesStatus['lastRejected'] {
  let latest: RulesStatus['lastRejected'] = null;
  for (const state of ready) {
    const rejected = state.rules.lastRejected;
    if (rejected !== null && (latest === null || rejected.at > latest.at)) {
      latest = rejected;
    }
  }
  return latest;
}

function workerStatus(slot: WorkerSlot) {
  return {
    worker: slot.index,
    pid: slot.worker.process.pid ?? null,
    ready: slot.ready !== null,
    rules_version: slot.ready?.rulesVersion ?? null,
    restarts: slot.restarts.length,
  };
}
