/**
 * `taskweave-server`: the HTTP API. Flags (or environment variables): `--redis` (REDIS_URL),
 * `--port` (PORT, 8787), `--host` (HOST, 127.0.0.1), `--secret` (TASKWEAVE_SECRET),
 * `--api-keys` (TASKWEAVE_API_KEYS, comma-separated), `--origins` (TASKWEAVE_ORIGINS, comma-separated).
 */
import { createTaskweaveServer } from '../server.js';
import { flag, numberFlag } from './args.js';

const argv = process.argv.slice(2);
const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
const secret = flag(argv, 'secret', 'TASKWEAVE_SECRET');
const queueName = flag(argv, 'queue', 'TASKWEAVE_QUEUE');
const server = createTaskweaveServer({
  redisUrl: flag(argv, 'redis', 'REDIS_URL') ?? 'redis://127.0.0.1:6379',
  apiKeys: list(flag(argv, 'api-keys', 'TASKWEAVE_API_KEYS')),
  allowedOrigins: list(flag(argv, 'origins', 'TASKWEAVE_ORIGINS')),
  ...(secret === undefined ? {} : { secret }),
  ...(queueName === undefined ? {} : { queueName }),
});
const url = await server.listen(numberFlag(argv, 'port', 'PORT') ?? 8787, flag(argv, 'host', 'HOST') ?? '127.0.0.1');
console.log(`taskweave-server listening on ${url}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
