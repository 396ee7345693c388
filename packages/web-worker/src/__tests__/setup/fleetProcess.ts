/**
 * The placement tests' fleet, in a Node process of its own (`node --conditions=@taskweave/source
 * --import tsx`, so the server and core load from their sources): a redis-server of the run's own
 * (AOF on, a free port), the `@taskweave/server` HTTP API and two `taskweave-worker` processes
 * with this folder's handlers (`fleetHandlers.ts`) and the demo's models. Driven over IPC by
 * `remoteFleet.ts`.
 */
import { fileURLToPath } from 'node:url';
import { TaskBoard, createTaskweaveServer, mintToken, type TaskweaveServer } from '@taskweave/server';
import { MODELS_DIR } from '../../../../../scripts/demoAssets.mjs';
import { taskweaveBins } from '../../../../../scripts/testFleet.mjs';
import { startRedis } from '../../../../../scripts/testRedis.mjs';

const SECRET = 'placement-test-secret-0123456789';
const origin = process.argv[2] as string;

const HANDLERS = fileURLToPath(new URL('./fleetHandlers.ts', import.meta.url));
const { startWorker } = taskweaveBins(import.meta.url);

const redis = await startRedis();
const workers = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--handlers', HANDLERS, '--models', MODELS_DIR, '--threads', '1', '--concurrency', '4'])));
const inspect = new TaskBoard({ redisUrl: redis.url });
let server: TaskweaveServer | undefined;
let port = 0;
let url = '';

async function listen(): Promise<void> {
  server = createTaskweaveServer({ redisUrl: redis.url, secret: SECRET, allowedOrigins: [origin], retryDelayMs: 50, rateLimit: { requests: 100_000, windowMs: 60_000 } });
  url = await server.listen(port);
  port = Number(new URL(url).port);
}
await listen();

type Op = { seq: number; op: 'info' | 'stop-server' | 'start-server' | 'runs' | 'shutdown'; ids?: string[] };

process.on('message', (message: Op) => {
  const answer = (value: unknown) => process.send?.({ seq: message.seq, value });
  void (async () => {
    switch (message.op) {
      case 'info':
        return answer({ url, token: mintToken(SECRET, { sub: 'placement-tests', exp: Math.floor(Date.now() / 1000) + 3600 }) });
      case 'stop-server':
        await server?.close();
        server = undefined;
        return answer(null);
      case 'start-server':
        if (server === undefined) await listen();
        return answer(null);
      case 'runs': {
        const ids = message.ids ?? [];
        const values = ids.length === 0 ? [] : await inspect.redis.mget(ids.map((id) => `test:runs:${id}`));
        return answer(values.map((v) => Number(v ?? 0)));
      }
      case 'shutdown':
        await server?.close();
        await Promise.all(workers.map((w) => w.stop()));
        await inspect.close();
        await redis.stop();
        answer(null);
        process.exit(0);
    }
  })().catch((error: unknown) => process.send?.({ seq: message.seq, error: String(error) }));
});
process.send?.({ ready: true });
