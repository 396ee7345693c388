import type { ChildProcess } from 'node:child_process';

export interface FleetProcess {
  proc: ChildProcess;
  /** SIGTERM, then waits for the exit; rejects (after a SIGKILL) when it is still up after 30 s. */
  stop(): Promise<void>;
  /** `kill -9`, then waits for the exit. */
  kill9(): Promise<void>;
}
/** What a CLI printed and how it ended, for a run that ends by itself. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}
export interface TaskweaveBins {
  /** A `taskweave-worker` taking jobs from `redisUrl` (also its `REDIS_URL`), with `args` after `--redis`. */
  startWorker(redisUrl: string, args?: string[]): Promise<FleetProcess>;
  /** A `taskweave-server` process, listening on a free port; only PATH and `env` in its environment. */
  startServer(args: string[], env?: Record<string, string>): Promise<FleetProcess & { url: string; log: () => string }>;
  /** Runs `taskweave-server` or `taskweave-worker` to its end. */
  runCli(which: 'worker' | 'server', args: string[], env?: Record<string, string>): Promise<CliRun>;
}
/** Starts and runs `@taskweave/server`'s bins as the package that `from` (its `import.meta.url`) sits in resolves it. */
export declare function taskweaveBins(from: string | URL): TaskweaveBins;
