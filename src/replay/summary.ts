// The replay summary: counts over every transaction and file, built while
// the replay runs, and its text form for people.
import type { ReplayOutcome } from './outcome.js';
import type { SkippedItem } from './items.js';

export interface ReplayFileError {
  file: string;
  error: string;
}

export interface ReplaySummary {
  /** Input files read, including those that failed to parse. */
  files: number;
  /** Transactions sent through the client (skipped items excluded). */
  transactions: number;
  /** Transactions where ctxproc set dynamic metadata `ctxproc.logged: true`. */
  logged: number;
  /** Local replies on ctxproc's immediate_response (errors excluded). */
  blocked: number;
  /** Transactions whose upstream request or downstream response ctxproc changed. */
  mutated: number;
  /** Transactions with protocol errors or a non-OK gRPC status from the server. */
  protocol_errors: number;
  /** Transactions where a message timeout fired. */
  timeouts: number;
  /** Transactions whose run threw (for example, the target was unreachable). */
  failed: number;
  /** Items not sent because Envoy would reject them before ext_proc. */
  skipped: number;
  skipped_by_reason: Record<string, number>;
  errors_by_kind: Record<string, number>;
  /** Files that could not be read or parsed; their items are not counted. */
  file_errors: ReplayFileError[];
  /** Wall-clock duration of the replay, in milliseconds. */
  duration_ms: number;
}

/** Accumulates a ReplaySummary. */
export class SummaryBuilder {
  private readonly summary: ReplaySummary = {
    files: 0,
    transactions: 0,
    logged: 0,
    blocked: 0,
    mutated: 0,
    protocol_errors: 0,
    timeouts: 0,
    failed: 0,
    skipped: 0,
    skipped_by_reason: {},
    errors_by_kind: {},
    file_errors: [],
    duration_ms: 0,
  };
  private readonly startedAt = performance.now();

  addFile(): void {
    this.summary.files += 1;
  }

  addFileError(file: string, error: Error): void {
    this.summary.file_errors.push({ file, error: error.message });
  }

  addSkipped(item: SkippedItem): void {
    this.summary.skipped += 1;
    increment(this.summary.skipped_by_reason, item.reason);
  }

  addOutcome(outcome: ReplayOutcome): void {
    const summary = this.summary;
    summary.transactions += 1;
    summary.logged += Number(outcome.logged);
    summary.blocked += Number(outcome.blocked);
    summary.mutated += Number(outcome.mutated);
    summary.protocol_errors += Number(outcome.protocolError);
    summary.timeouts += Number(outcome.timedOut);
    for (const kind of outcome.errorKinds) {
      increment(summary.errors_by_kind, kind);
    }
  }

  /** Counts a transaction whose run threw; `kind` goes to errors_by_kind. */
  addFailure(kind: string): void {
    this.summary.transactions += 1;
    this.summary.failed += 1;
    increment(this.summary.errors_by_kind, kind);
  }

  finish(): ReplaySummary {
    this.summary.duration_ms = Math.round(performance.now() - this.startedAt);
    return this.summary;
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * True when the replay found a problem the caller should exit non-zero for:
 * protocol errors, timeouts, transactions that threw, or unreadable files.
 */
export function replayFailed(summary: ReplaySummary): boolean {
  return summary.protocol_errors > 0 || summary.timeouts > 0 || summary.failed > 0 || summary.file_errors.length > 0;
}

/** Formats the summary as lines of text for a terminal, without a trailing newline. */
export function formatSummary(summary: ReplaySummary): string {
  const lines = [
    `files:           ${summary.files}`,
    `transactions:    ${summary.transactions}`,
    `logged:          ${summary.logged}`,
    `blocked:         ${summary.blocked}`,
    `mutated:         ${summary.mutated}`,
    `protocol errors: ${summary.protocol_errors}`,
    `timeouts:        ${summary.timeouts}`,
    `failed:          ${summary.failed}`,
    `skipped:         ${summary.skipped}`,
    ...countLines('skipped because', summary.skipped_by_reason),
    ...countLines('errors by kind', summary.errors_by_kind),
  ];
  // Each error message already names its file.
  for (const { error } of summary.file_errors) {
    lines.push(`file error: ${error}`);
  }
  lines.push(`duration:        ${(summary.duration_ms / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

function countLines(title: string, counts: Record<string, number>): string[] {
  const entries = Object.entries(counts).sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : 1));
  if (entries.length === 0) {
    return [];
  }
  return [`${title}:`, ...entries.map(([key, count]) => `  ${key}: ${count}`)];
}
