/**
 * `pnpm --filter @taskweave/server start:local`: a redis-server (AOF on, data in
 * `.taskweave-redis/`), the HTTP API on :8787 and two worker processes with the demo's models,
 * for trying the server on one machine. Ctrl-C stops them all.
 * Environment: PORT (8787), REDIS_PORT (6390), TASKWEAVE_API_KEYS (dev-key), TASKWEAVE_SECRET,
 * TASKWEAVE_ORIGINS (http://localhost:5173).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { redisServerPath } from '../../../scripts/systemPrograms.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const redisPort = process.env['REDIS_PORT'] ?? '6390';
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const dataDir = `${root}.taskweave-redis`;
mkdirSync(dataDir, { recursive: true });
const env = {
  ...process.env,
  REDIS_URL: redisUrl,
  TASKWEAVE_API_KEYS: process.env['TASKWEAVE_API_KEYS'] ?? 'dev-key',
  TASKWEAVE_ORIGINS: process.env['TASKWEAVE_ORIGINS'] ?? 'http://localhost:5173',
  TASKWEAVE_MODELS_DIR: `${root}../demo/public/models`,
};
const children: ChildProcess[] = [];
const run = (cmd: string, args: string[]) => {
  const child = spawn(cmd, args, { env, stdio: 'inherit' });
  children.push(child);
  return child;
};

run(redisServerPath(), ['--port', redisPort, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dataDir]);
await new Promise((r) => setTimeout(r, 500));
run(process.execPath, ['--conditions=@taskweave/source', `${root}bin/taskweave-server.mjs`]);
// --concurrency 16: each worker holds up to 16 jobs, and the embedding jobs among them share model calls.
run(process.execPath, ['--conditions=@taskweave/source', `${root}bin/taskweave-worker.mjs`, '--concurrency', '16']);
run(process.execPath, ['--conditions=@taskweave/source', `${root}bin/taskweave-worker.mjs`, '--concurrency', '16']);
const stop = () => {
  for (const child of children.reverse()) child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 1000);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
