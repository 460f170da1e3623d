// The IPC messages between the `serve --workers` primary and its workers.
// Each carries its type in the `ctxproc` field, which keeps them apart from
// prom-client's own cluster messages on the same channel.

import type { RulesStatus } from '../rules/reload/live-rules.js';

/** Sent by a worker once its gRPC server serves, and again whenever its rules change (a reload applied or rejected). */
export interface WorkerReady {
  ctxproc: 'ready';
  grpcPort: number;
  rulesVersion: string;
  ruleCount: number;
  rulesLoadedAt: string;
  rulesFiles: string[];
  rules: RulesStatus;
}

export type WorkerMessage = WorkerReady;

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return typeof message === 'object' && message !== null && (message as { ctxproc?: unknown }).ctxproc === 'ready';
}

/** The environment variable that carries a worker's index (0 to workers - 1). */
export const WORKER_INDEX_ENV = 'CTXPROC_WORKER_INDEX';
