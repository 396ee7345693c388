/**
 * `taskweave-worker` and `taskweave-server` processes for tests and benchmarks, started through
 * `@taskweave/server`'s own bins on its TypeScript sources (`--conditions=@taskweave/source
 * --import tsx`, tsx resolved from that package), as in the workspace. The bins are found through
 * the caller's dependency on `@taskweave/server` (its package.json `bin`), as an app that installs
 * it finds them. Here, beside testRedis.mjs, because two packages start them: the server's tests
 * and benchmark, and web-worker's placement tests and remote-embed bench.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @typedef {'worker' | 'server'} Bin */

/**
 * @typedef {object} FleetProcess
 * @property {import('node:child_process').ChildProcess} proc
 * @property {() => Promise<void>} stop SIGTERM, then waits for the exit; a process still up after
 *   30 s is killed and the caller told why (it rejects with the end of the output).
 * @property {() => Promise<void>} kill9 `kill -9`, then waits for the exit.
 */

/**
 * @typedef {object} CliRun What a CLI printed and how it ended, for a run that ends by itself.
 * @property {number | null} code
 * @property {string} stdout
 * @property {string} stderr
 */

/**
 * The `@taskweave/server` that `from` (a module URL or path in the caller's package) depends on:
 * its folder and the two bins.
 * @param {string | URL} from
 */
function serverPackage(from) {
  const manifest = createRequire(from).resolve('@taskweave/server/package.json');
  const dir = dirname(manifest);
  const { bin } = /** @type {{ bin: Record<string, string> }} */ (JSON.parse(readFileSync(manifest, 'utf8')));
  /** @param {string} name */
  const path = (name) => {
    const file = bin[name];
    if (file === undefined) throw new Error(`@taskweave/server (${dir}) has no bin ${name}`);
    return join(dir, file);
  };
  return { dir, bins: { worker: path('taskweave-worker'), server: path('taskweave-server') } };
}

/**
 * Starts and runs `@taskweave/server`'s bins as the package that `from` sits in resolves it.
 * @example
 * const { startWorker } = taskweaveBins(import.meta.url)
 * const worker = await startWorker(redis.url, ['--models', MODELS_DIR])
 * @param {string | URL} from the caller's `import.meta.url`
 */
export function taskweaveBins(from) {
  const pkg = serverPackage(from);

  /** @param {Bin} which @param {string[]} args @param {NodeJS.ProcessEnv} env */
  const spawnBin = (which, args, env) =>
    spawn(process.execPath, ['--conditions=@taskweave/source', '--import', 'tsx', pkg.bins[which], ...args], { cwd: pkg.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });

  /**
   * Starts a bin and resolves once its output matches `ready`, with the match and the output so far.
   * @param {Bin} which @param {string[]} args @param {NodeJS.ProcessEnv} env @param {RegExp} ready
   * @returns {Promise<FleetProcess & { match: RegExpExecArray; log: () => string }>}
   */
  const startBin = async (which, args, env, ready) => {
    const proc = spawnBin(which, args, env);
    const stdout = /** @type {import('node:stream').Readable} */ (proc.stdout);
    const stderr = /** @type {import('node:stream').Readable} */ (proc.stderr);
    let log = '';
    /** @type {RegExpExecArray} */
    const match = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${which} not ready in 30 s:\n${log}`)), 30_000);
      stdout.on('data', (/** @type {Buffer} */ chunk) => {
        log += chunk.toString();
        const m = ready.exec(log);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      stderr.on('data', (/** @type {Buffer} */ c) => (log += c.toString()));
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${which} exited ${code} before it was ready:\n${log}`));
      });
    });
    /** @type {Promise<void>} */
    const exited = new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', () => resolve())));
    return {
      proc,
      match,
      log: () => log,
      async stop() {
        proc.kill('SIGTERM');
        /** @type {NodeJS.Timeout | undefined} */
        let timer;
        /** @type {Promise<'late'>} */
        const late = new Promise((resolve) => (timer = setTimeout(() => resolve('late'), 30_000)));
        const outcome = await Promise.race([exited, late]);
        clearTimeout(timer);
        if (outcome === 'late') {
          proc.kill('SIGKILL');
          await exited;
          throw new Error(`${which} did not exit within 30 s of SIGTERM; its output ended:\n${log.slice(-2000)}`);
        }
      },
      async kill9() {
        proc.kill('SIGKILL');
        await exited;
      },
    };
  };

  return {
    /**
     * A `taskweave-worker` taking jobs from `redisUrl` (also its `REDIS_URL`, for handler modules
     * that count runs there), with `args` after `--redis` (`--handlers`, `--models`, …).
     * @param {string} redisUrl @param {string[]} [args]
     * @returns {Promise<FleetProcess>}
     */
    startWorker: (redisUrl, args = []) =>
      startBin('worker', ['--redis', redisUrl, ...args], { ...process.env, REDIS_URL: redisUrl }, /taskweave-worker ready/),

    /**
     * A `taskweave-server` process, listening on a free port; only PATH and `env` in its environment.
     * @param {string[]} args @param {Record<string, string>} [env]
     * @returns {Promise<FleetProcess & { url: string; log: () => string }>}
     */
    async startServer(args, env = {}) {
      const started = await startBin('server', ['--port', '0', ...args], { PATH: process.env['PATH'] ?? '', ...env }, /listening on (http:\/\/\S+)/);
      return { ...started, url: /** @type {string} */ (started.match[1]) };
    },

    /**
     * Runs `taskweave-server` or `taskweave-worker` to its end; only PATH and `env` in its environment.
     * @param {Bin} which @param {string[]} args @param {Record<string, string>} [env]
     * @returns {Promise<CliRun>}
     */
    async runCli(which, args, env = {}) {
      const proc = spawnBin(which, args, { PATH: process.env['PATH'] ?? '', ...env });
      let stdout = '';
      let stderr = '';
      proc.stdout?.on('data', (/** @type {Buffer} */ c) => (stdout += c.toString()));
      proc.stderr?.on('data', (/** @type {Buffer} */ c) => (stderr += c.toString()));
      /** @type {number | null} */
      const code = await new Promise((resolve) => proc.once('exit', resolve));
      return { code, stdout, stderr };
    },
  };
}
