/**
 * Which workers are alive and which models the fleet serves, kept in Redis beside the queue so
 * every API process answers the same: each `taskweave-worker` writes a heartbeat (`HEARTBEAT_MS`)
 * naming its models; the API lists the models (`GET /v1/models`), refuses an unknown one before
 * anything is enqueued, and says whether workers were seen recently (`GET /readyz`).
 *
 * Keys, under the board's prefix: `workers` (sorted set: worker id by last heartbeat, ms),
 * `worker:<id>` (its `WorkerInfo`, expiring), `models` (hash: model id → `ModelInfo` and when a
 * worker last announced it).
 */
import type { Redis } from 'ioredis';

/** A model a worker serves, as its folder declares it (see `inspectModelsDir`). */
export interface ModelInfo {
  id: string;
  /**
   * Output sizes the model supports besides its own (Matryoshka embeddings), declared in the
   * model folder's `taskweave.json` as `{ "dimensions": [256, 128] }`; absent when it declares none.
   */
  dimensions?: number[];
}

/** What a worker announces about itself. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  models: ModelInfo[];
  startedAt: number;
}

/** How often a worker announces itself. */
export const HEARTBEAT_MS = 5_000;
/** A worker not heard from for this long is not counted as alive. */
export const WORKER_ALIVE_MS = 3 * HEARTBEAT_MS;
/** A model no worker announced for this long is no longer the fleet's. */
export const MODEL_FORGOTTEN_MS = 24 * 3600 * 1000;

export class FleetRegistry {
  constructor(
    readonly redis: Redis,
    readonly keyPrefix: string,
  ) {}

  async heartbeat(info: WorkerInfo, now = Date.now()): Promise<void> {
    const multi = this.redis
      .multi()
      .set(`${this.keyPrefix}worker:${info.id}`, JSON.stringify(info), 'PX', WORKER_ALIVE_MS)
      .zadd(`${this.keyPrefix}workers`, now, info.id)
      .zremrangebyscore(`${this.keyPrefix}workers`, '-inf', now - MODEL_FORGOTTEN_MS);
    for (const model of info.models) multi.hset(`${this.keyPrefix}models`, model.id, JSON.stringify({ ...model, seenAt: now }));
    await multi.exec();
  }

  async leave(id: string): Promise<void> {
    await this.redis.multi().del(`${this.keyPrefix}worker:${id}`).zrem(`${this.keyPrefix}workers`, id).exec();
  }

  /** Workers heard from within `WORKER_ALIVE_MS`. */
  async workers(now = Date.now()): Promise<WorkerInfo[]> {
    const ids = await this.redis.zrangebyscore(`${this.keyPrefix}workers`, now - WORKER_ALIVE_MS, '+inf');
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(ids.map((id) => `${this.keyPrefix}worker:${id}`));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WorkerInfo);
  }

  /** Models some worker announced within `MODEL_FORGOTTEN_MS`, by id, with when (ms) it was last announced. */
  async models(now = Date.now()): Promise<Map<string, ModelInfo & { seenAt: number }>> {
    const all = await this.redis.hgetall(`${this.keyPrefix}models`);
    const out = new Map<string, ModelInfo & { seenAt: number }>();
    for (const [id, raw] of Object.entries(all)) {
      const info = JSON.parse(raw) as ModelInfo & { seenAt: number };
      if (info.seenAt >= now - MODEL_FORGOTTEN_MS) out.set(id, info);
    }
    return out;
  }
}
