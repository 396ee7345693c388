/**
 * `remote-workers-2-vs-1`: how the server fleet scales with worker processes on this box. The same
 * seeded real-corpus texts (scripts/realCorpus.mjs: 20–500 characters, State of the
 * Union passages; BENCH_REMOTE_TEXTS, default 1,000) embedded with use-lite q8 through the HTTP
 * API, one EmbeddingGeneration task per text (POST /v1/tasks, then the long-poll of its end;
 * BENCH_IN_FLIGHT, default 64, tasks at a time), by one `taskweave-worker` process vs two — each
 * with one ORT thread and `--concurrency` BENCH_WORKER_CONCURRENCY (default 16), so the jobs it
 * holds share model calls.
 *
 * One redis-server (AOF on, as in production), one HTTP API per queue in this process, and three
 * worker processes: one on the 1-worker queue, two on the 2-worker queue, so no round starts or
 * stops a process. Every worker is warmed (model loaded, a pass of the texts' prefix) before
 * timing; then BENCH_RUNS (default 5, at least 3) rounds of each, alternating, medians. The ratio
 * is 2-worker texts/s over 1-worker texts/s: on 2 cores, close to 2 says the API, Redis and
 * BullMQ cost little beside the inference. Every task must end Completed with a 512-float vector.
 *
 * Run: pnpm --filter @taskweave/server bench (BENCH_REMOTE_TEXTS=200 BENCH_RUNS=3 for a quick look)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
// The corpus every real-text row uses, browser and Node alike.
import { realCorpusTexts } from '../../../scripts/realCorpus.mjs';
import { sotuPassages } from '../../../scripts/demoAssets.mjs';
import { createTaskweaveServer, type TaskweaveServer } from '../src/index.js';
import { client, pool } from '../test/fixtures/client.js';
import { startRedis } from '../../../scripts/testRedis.mjs';
import { MODELS_DIR, startWorker, type WorkerProcess } from '../test/fixtures/workers.js';

const N = Number(process.env['BENCH_REMOTE_TEXTS'] ?? 1000);
const RUNS = Math.max(3, Number(process.env['BENCH_RUNS'] ?? 5));
const IN_FLIGHT = Number(process.env['BENCH_IN_FLIGHT'] ?? 64);
const CONCURRENCY = String(process.env['BENCH_WORKER_CONCURRENCY'] ?? 16);
const KEY = 'bench-key';
const WARMUP = Math.min(N, 3 * Number(CONCURRENCY) + 32);

const texts = realCorpusTexts(sotuPassages(), N);

const redis = await startRedis();
const servers: TaskweaveServer[] = [];
const workers: WorkerProcess[] = [];
const stopAll = async () => {
  await Promise.allSettled(workers.map((w) => w.stop()));
  await Promise.allSettled(servers.map((s) => s.close()));
  await redis.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().then(() => process.exit(130)));

type Arrangement = 'one' | 'two';
try {
  const api = {} as Record<Arrangement, ReturnType<typeof client>>;
  for (const [arrangement, processes] of [['one', 1], ['two', 2]] as const) {
    const queueName = `bench-${arrangement}`;
    const server = createTaskweaveServer({ redisUrl: redis.url, apiKeys: [KEY], queueName, rateLimit: { requests: 1_000_000, windowMs: 60_000 } });
    servers.push(server);
    api[arrangement] = client(await server.listen(), KEY);
    for (let i = 0; i < processes; i++) {
      workers.push(await startWorker(redis.url, ['--models', MODELS_DIR, '--threads', '1', '--concurrency', CONCURRENCY, '--queue', queueName]));
    }
  }

  /** CPU seconds a process has used so far (Linux /proc; utime + stime in clock ticks of 1/100 s). */
  const cpuSeconds = (pid: number | undefined): number => {
    if (pid === undefined) return 0;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return 0;
    }
  };
  const ownCpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const arrangementWorkers = (arrangement: Arrangement) => (arrangement === 'one' ? workers.slice(0, 1) : workers.slice(1, 3));

  /** Embeds `list` through one arrangement's API, a task per text; texts/s, checking every result, and the cores each process used. */
  const run = async (arrangement: Arrangement, list: string[]) => {
    const http = api[arrangement];
    const batchSizes: number[] = [];
    const mine = arrangementWorkers(arrangement);
    const cpuBefore = { workers: mine.map((w) => cpuSeconds(w.proc.pid)), redis: cpuSeconds(redis.pid), driver: ownCpu() };
    const started = performance.now();
    await pool(list, IN_FLIGHT, async (text) => {
      const id = randomUUID();
      const submitted = await http.submit({ id, type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text } });
      if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
      const { body } = await http.wait(id);
      if (body?.status !== 'Completed' || body.result.output.vector?.length !== 512) throw new Error(`task ${id} ended ${JSON.stringify(body?.result?.error ?? body?.status)}`);
      batchSizes.push(body.result.metrics.batchSize ?? 1);
    });
    const ms = performance.now() - started;
    const wall = ms / 1000;
    const cores = {
      workers: mine.map((w, i) => (cpuSeconds(w.proc.pid) - cpuBefore.workers[i]!) / wall),
      redis: (cpuSeconds(redis.pid) - cpuBefore.redis) / wall,
      driver: (ownCpu() - cpuBefore.driver) / wall,
    };
    return { rate: list.length / wall, meanBatch: batchSizes.reduce((a, b) => a + b, 0) / batchSizes.length, cores };
  };

  // Warm-up: more tasks than one process holds at once, so both processes of 'two' load the model too.
  for (const arrangement of ['one', 'two'] as const) await run(arrangement, texts.slice(0, WARMUP));

  const rates: Record<Arrangement, number[]> = { one: [], two: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const arrangement of r % 2 === 0 ? (['one', 'two'] as const) : (['two', 'one'] as const)) {
      const { rate, meanBatch, cores } = await run(arrangement, texts);
      rates[arrangement].push(rate);
      // Cores each process used over the round (of 2 here): the worker processes, Redis, and this
      // process (the HTTP API and the driver that submits and long-polls).
      const used = `cores: worker${cores.workers.length > 1 ? 's' : ''} ${cores.workers.map((c) => c.toFixed(2)).join(' + ')}, API + driver ${cores.driver.toFixed(2)}, redis ${cores.redis.toFixed(2)}`;
      console.log(`round ${r + 1} ${arrangement === 'one' ? '1 worker ' : '2 workers'} ${rate.toFixed(1).padStart(7)} texts/s, mean batch ${meanBatch.toFixed(1)}; ${used}`);
    }
  }
  const one = Number(median(rates.one).toFixed(1));
  const two = Number(median(rates.two).toFixed(1));
  const rows = [
    {
      name: 'remote-workers-2-vs-1',
      unit: 'texts/s',
      baseline: one,
      sdk: two,
      ratio: Number((two / one).toFixed(2)),
      goal: '>= 1.5',
      runs: RUNS,
      texts: N,
      inFlight: IN_FLIGHT,
      workerConcurrency: Number(CONCURRENCY),
    },
  ];
  mergeBenchRows(rows);
  const paired = rates.two.map((v, i) => (v / rates.one[i]!).toFixed(2)).join(' ');
  console.log(`\nper-round 2/1: ${paired}`);
  console.log(`use-lite q8, ${N} real-corpus texts, a task each over HTTP, ${IN_FLIGHT} in flight, workers with 1 ORT thread and --concurrency ${CONCURRENCY}, ${RUNS} alternating rounds, medians; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(formatBenchTable(rows));
} finally {
  await stopAll();
}
// The HTTP client's pooled sockets and BullMQ's timers would keep the process up a while longer.
process.exit(0);
