/**
 * `pnpm --filter @taskweave/server start:local`: a redis-server (AOF on, data in
 * `.taskweave-redis/`), the HTTP API on :8787 and two worker processes with the demo's models,
 * for trying the server on one machine. A worker that dies is started again, and said so.
 * Ctrl-C (or SIGTERM) drains them all and stops.
 * Environment: PORT (8787), REDIS_PORT (6390), TASKWEAVE_API_KEYS (dev=dev-key), TASKWEAVE_SECRET,
 * TASKWEAVE_ORIGINS (http://localhost:5173); the programs' own variables (`--help`) pass through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MODELS_DIR } from '../../../scripts/demoAssets.mjs';
import { redisServerPath } from '../../../scripts/systemPrograms.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const redisPort = process.env['REDIS_PORT'] ?? '6390';
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const dataDir = `${root}.taskweave-redis`;
mkdirSync(dataDir, { recursive: true });
const env = {
  ...process.env,
  REDIS_URL: redisUrl,
  TASKWEAVE_API_KEYS: process.env['TASKWEAVE_API_KEYS'] ?? 'dev=dev-key',
  TASKWEAVE_ORIGINS: process.env['TASKWEAVE_ORIGINS'] ?? 'http://localhost:5173',
  TASKWEAVE_MODELS_DIR: MODELS_DIR,
};
const source = ['--conditions=@taskweave/source', '--import', 'tsx'];
let stopping = false;
const children = new Set<ChildProcess>();

/** Starts `name`; when `restart`, a death that is not ours starts it again after a second. */
function run(name: string, cmd: string, args: string[], restart: boolean): void {
  const child = spawn(cmd, args, { env, cwd: root, stdio: 'inherit' });
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (stopping) return;
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    if (!restart) {
      console.error(`start:local: ${name} ended (${how}); stopping`);
      stop();
      return;
    }
    console.error(`start:local: ${name} (pid ${child.pid}) died (${how}); starting it again`);
    setTimeout(() => run(name, cmd, args, restart), 1_000);
  });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  // The API and workers drain (in-flight requests answered, running jobs finished), then Redis.
  const others = [...children];
  for (const child of others) if (child.spawnargs.some((a) => a.endsWith('.mjs'))) child.kill('SIGTERM');
  const apiAndWorkers = others.filter((c) => c.spawnargs.some((a) => a.endsWith('.mjs')));
  void Promise.all(apiAndWorkers.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() => {
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => process.exit(0), 500);
  });
}

run('redis-server', redisServerPath(), ['--port', redisPort, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dataDir], false);
run('taskweave-server', process.execPath, [...source, `${root}bin/taskweave-server.mjs`], true);
// --concurrency 16: each worker holds up to 16 jobs, and the embedding jobs among them share model calls.
for (const n of [1, 2]) run(`taskweave-worker ${n}`, process.execPath, [...source, `${root}bin/taskweave-worker.mjs`, '--concurrency', '16'], true);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
