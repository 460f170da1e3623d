// Starts the load driver in its own process, pinned to its own core, and
// sends it one command at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { DriverCommand, DriverReply } from './driver/main.js';
import { pinPrefix } from './servers.js';

/**
 * The driver's own scavenges stall every transaction in flight, and the
 * histograms count that as server latency. With Node 24's 64 MB semi-spaces
 * they paused the driver for 3 to 85 ms (load average 9); with 4 MB, as the
 * server runs, they stay near a millisecond.
 */
const DRIVER_NODE_FLAGS = ['--max-semi-space-size=4'];

export class DriverProcess {
  private constructor(private readonly child: ChildProcess) {}

  static start(repositoryRoot: string, core: number | null): DriverProcess {
    const command = [...pinPrefix(core), process.execPath, ...DRIVER_NODE_FLAGS, path.join(repositoryRoot, 'dist/bench/driver/main.js')];
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new DriverProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a command and resolves with its reply; rejects if the driver fails it or exits. */
  run(command: DriverCommand): Promise<DriverReply & { ok: true }> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the load driver exited with ${code} during ${command.command}`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply: DriverReply) => {
        this.child.off('exit', onExit);
        if (reply.ok) {
          resolve(reply);
        } else {
          reject(new Error(`load driver: ${reply.error}`));
        }
      });
      this.child.send(command);
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}
