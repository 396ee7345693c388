/**
 * `taskweave-server`: the HTTP API (`taskweave-server --help` lists the options; each is also an
 * environment variable). Prints `taskweave-server listening on <url>`; SIGTERM/SIGINT drain it
 * (new requests 503, long-polls answered, requests in flight finished) and exit.
 */
import { createTaskweaveServer } from '../server.js';
import type { TokenIssuer } from '../token.js';
import { parseOptions, runCli, usage, UsageError } from './options.js';
import { SERVER_OPTIONS } from './specs.js';


/** `name=key` or a bare key: the named form when every entry has a name. */
function apiKeys(entries: string[]): string[] | Record<string, string> {
  if (entries.every((e) => e.includes('='))) {
    return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  }
  if (entries.some((e) => e.includes('='))) throw new UsageError('--api-keys: give every key a name (name=key) or none');
  return entries;
}

await runCli('taskweave-server', async () => {
  const o = parseOptions(SERVER_OPTIONS, process.argv.slice(2), process.env);
  if (o === 'help') {
    process.stdout.write(usage('taskweave-server', 'The taskweave HTTP API: enqueues tasks in BullMQ on Redis; taskweave-worker processes run them.', SERVER_OPTIONS));
    return;
  }
  const str = (name: string) => o[name] as string | undefined;
  const int = (name: string) => o[name] as number | undefined;
  const list = (name: string) => o[name] as string[] | undefined;
  const jwksUrl = str('jwks-url');
  if (jwksUrl !== undefined && !URL.canParse(jwksUrl)) throw new UsageError(`--jwks-url must be a URL, got ${JSON.stringify(jwksUrl)}`);
  if ((list('issuer') !== undefined || list('audience') !== undefined) && jwksUrl === undefined) throw new UsageError('--issuer and --audience apply to --jwks-url, which is not given');
  const tokens: TokenIssuer[] = jwksUrl === undefined ? [] : [{ jwksUrl, ...(list('issuer') ? { issuer: list('issuer')! } : {}), ...(list('audience') ? { audience: list('audience')! } : {}) }];
  const secret = str('secret');
  const keys = apiKeys(list('api-keys') ?? []);
  if (secret === undefined && tokens.length === 0 && (Array.isArray(keys) ? keys.length : Object.keys(keys).length) === 0) {
    throw new UsageError('no credentials are accepted: give --api-keys, --secret or --jwks-url');
  }
  const redisUrl = str('redis') ?? 'redis://127.0.0.1:6379';
  if (!URL.canParse(redisUrl)) throw new UsageError(`--redis must be a URL (redis://host:port), got ${JSON.stringify(redisUrl)}`);
  const server = createTaskweaveServer({
    redisUrl,
    apiKeys: keys,
    allowedOrigins: list('origins') ?? [],
    tokens,
    ...(secret === undefined ? {} : { secret }),
    ...(str('queue') === undefined ? {} : { queueName: str('queue')! }),
    ...(str('prefix') === undefined ? {} : { prefix: str('prefix')! }),
    ...(int('max-body-bytes') === undefined ? {} : { maxBodyBytes: int('max-body-bytes')! }),
    ...(int('max-embeddings-body-bytes') === undefined ? {} : { maxEmbeddingsBodyBytes: int('max-embeddings-body-bytes')! }),
    ...(int('max-input-bytes') === undefined ? {} : { maxInputBytes: int('max-input-bytes')! }),
    ...(int('rate-limit') === undefined ? {} : { rateLimit: { requests: int('rate-limit')!, windowMs: 60_000 } }),
    ...(int('result-ttl') === undefined ? {} : { resultTtlSeconds: int('result-ttl')! }),
  });
  // One line per change of Redis' reachability, not a stack trace per reconnect.
  let reachable: boolean | undefined;
  const report = () => {
    const now = server.board.redisReady;
    if (now === reachable) return;
    reachable = now;
    console.log(now ? `taskweave-server: Redis at ${redisUrl} is reachable` : `taskweave-server: Redis at ${redisUrl} is unreachable; answering 503 until it is back`);
  };
  server.board.redis.on('ready', report).on('close', report).on('end', report);
  const url = await server.listen(int('port') ?? 8787, str('host') ?? '127.0.0.1');
  console.log(`taskweave-server listening on ${url}`);
  setTimeout(report, 1_000).unref();
  const stop = () => {
    console.log('taskweave-server: draining');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
