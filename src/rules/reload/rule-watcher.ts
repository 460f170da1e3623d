// Calls back when the rule path may have changed: on an fs.watch event, and
// on a timer as a fallback, because inotify reports nothing for a symlink
// swap on some filesystems and fs.watch is unavailable on others. The
// callback compares contents itself, so a spurious call costs one read.
import { watch, statSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export interface RuleWatcherOptions {
  target: string;
  logger: Logger;
  /** Milliseconds between checks when no watch event comes. */
  pollIntervalMs: number;
  /** Milliseconds to wait after a watch event for the rest of its burst: an editor or the kubelet writes in several steps. */
  settleMs: number;
  onChange(): void;
}

export class RuleWatcher {
  readonly #options: RuleWatcherOptions;
  #watcher: FSWatcher | null = null;
  #poll: NodeJS.Timeout | null = null;
  #settle: NodeJS.Timeout | null = null;

  constructor(options: RuleWatcherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#poll = setInterval(() => this.#options.onChange(), this.#options.pollIntervalMs);
    this.#poll.unref();
    this.#watch();
  }

  close(): void {
    if (this.#poll !== null) {
      clearInterval(this.#poll);
    }
    if (this.#settle !== null) {
      clearTimeout(this.#settle);
    }
    this.#watcher?.close();
    this.#poll = null;
    this.#settle = null;
    this.#watcher = null;
  }

  #watch(): void {
    // A directory is watched itself. For a single file, its directory is
    // watched, because editors and ConfigMaps replace files by renaming.
    const directory = isDirectory(this.#options.target) ? this.#options.target : path.dirname(this.#options.target);
    try {
      this.#watcher = watch(directory, { persistent: false }, () => this.#eventSeen());
    } catch (error) {
      this.#watchFailed(directory, error as Error);
      return;
    }
    this.#watcher.on('error', (error) => this.#watchFailed(directory, error));
  }

  #eventSeen(): void {
    if (this.#settle !== null) {
      clearTimeout(this.#settle);
    }
    this.#settle = setTimeout(() => {
      this.#settle = null;
      this.#options.onChange();
    }, this.#options.settleMs);
    this.#settle.unref();
  }

  #watchFailed(directory: string, error: Error): void {
    this.#watcher?.close();
    this.#watcher = null;
    this.#options.logger.warn(
      { rules_path: directory, err: { message: error.message }, poll_interval_ms: this.#options.pollIntervalMs },
      'cannot watch the rules directory; changes are still picked up by the periodic check',
    );
  }
}

function isDirectory(target: string): boolean {
  try {
    return statSync(target).isDirectory();
  } catch {
    return false;
  }
}
