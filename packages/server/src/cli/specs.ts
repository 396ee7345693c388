/** The options of `taskweave-server` and `taskweave-worker` (each a flag and an environment variable; see options.ts). */
import type { OptionSpec } from './options.js';

export const SERVER_OPTIONS: OptionSpec[] = [
  { name: 'redis', env: 'REDIS_URL', kind: 'string', default: 'redis://127.0.0.1:6379', help: 'Redis URL' },
  { name: 'port', env: 'PORT', kind: 'integer', default: '8787', help: 'port to listen on (0: a free one)' },
  { name: 'host', env: 'HOST', kind: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0: every interface)' },
  { name: 'secret', env: 'TASKWEAVE_SECRET', kind: 'string', help: 'HS256 secret of browser tokens (mintToken)' },
  { name: 'jwks-url', env: 'TASKWEAVE_JWKS_URL', kind: 'string', help: "your identity provider's JWKS URL (RS256, ES256… tokens)" },
  { name: 'issuer', env: 'TASKWEAVE_ISSUER', kind: 'list', help: 'required iss of identity-provider tokens' },
  { name: 'audience', env: 'TASKWEAVE_AUDIENCE', kind: 'list', help: 'required aud of identity-provider tokens' },
  { name: 'api-keys', env: 'TASKWEAVE_API_KEYS', kind: 'list', help: 'API keys for servers, as name=key (or bare keys)' },
  { name: 'origins', env: 'TASKWEAVE_ORIGINS', kind: 'list', help: 'browser origins allowed to call (https://app.example.com)' },
  { name: 'queue', env: 'TASKWEAVE_QUEUE', kind: 'string', default: 'taskweave', help: 'BullMQ queue name' },
  { name: 'prefix', env: 'TASKWEAVE_PREFIX', kind: 'string', default: 'bull', help: 'BullMQ key prefix' },
  { name: 'max-body-bytes', env: 'TASKWEAVE_MAX_BODY_BYTES', kind: 'integer', min: 1, default: '1048576', help: 'largest POST /v1/tasks body' },
  { name: 'max-embeddings-body-bytes', env: 'TASKWEAVE_MAX_EMBEDDINGS_BODY_BYTES', kind: 'integer', min: 1, default: '16777216', help: 'largest POST /v1/embeddings body' },
  { name: 'max-input-bytes', env: 'TASKWEAVE_MAX_INPUT_BYTES', kind: 'integer', min: 1, default: '262144', help: 'largest task input (JSON), and largest embeddings input text' },
  { name: 'rate-limit', env: 'TASKWEAVE_RATE_LIMIT', kind: 'integer', min: 1, default: '1200', help: 'submits per caller per minute' },
  { name: 'result-ttl', env: 'TASKWEAVE_RESULT_TTL_SECONDS', kind: 'integer', min: 1, default: '604800', help: 'seconds a result is kept after its task ends' },
];

export const WORKER_OPTIONS: OptionSpec[] = [
  { name: 'redis', env: 'REDIS_URL', kind: 'string', default: 'redis://127.0.0.1:6379', help: 'Redis URL' },
  { name: 'models', env: 'TASKWEAVE_MODELS_DIR', kind: 'string', help: 'folder with one sub-folder per model id (checked at start)' },
  { name: 'handlers', env: 'TASKWEAVE_HANDLERS', kind: 'string', help: "ES module whose default export maps task types ('custom:resize') to handlers" },
  { name: 'concurrency', env: 'TASKWEAVE_CONCURRENCY', kind: 'integer', min: 1, default: '1', help: 'jobs held at once (embedding jobs held together share model calls)' },
  { name: 'threads', env: 'TASKWEAVE_THREADS', kind: 'integer', min: 1, default: '1', help: 'ORT threads per model session' },
  { name: 'lock-ms', env: 'TASKWEAVE_LOCK_MS', kind: 'integer', min: 1000, default: '8000', help: "BullMQ lock duration (ms): a dead worker's jobs are taken back within lock + 2 × stalled interval" },
  { name: 'stalled-ms', env: 'TASKWEAVE_STALLED_MS', kind: 'integer', min: 100, default: '3000', help: 'how often (ms) BullMQ looks for stalled jobs' },
  { name: 'queue', env: 'TASKWEAVE_QUEUE', kind: 'string', default: 'taskweave', help: 'BullMQ queue name' },
  { name: 'prefix', env: 'TASKWEAVE_PREFIX', kind: 'string', default: 'bull', help: 'BullMQ key prefix' },
];
