/**
 * The `auto` placement rule: where a task that may run on this device or on a server runs, decided
 * once, when it is first handed to an executor (`Executor.place`). Pure: the executor that owns the
 * two kinds of slots gathers what it knows and asks.
 */
import { PLACEMENTS, type Placement } from '../task.js';

/**
 * Every value a task's `metadata.placement` (and `createTaskweave({ remote: { placement } })`)
 * accepts: a place, or `auto` (this rule).
 * @example PLACEMENT_REQUESTS.includes(task.metadata['placement'] ?? 'local')
 */
export const PLACEMENT_REQUESTS = [...PLACEMENTS, 'auto'] as const;

/** What a task asks for: a place, or `auto` (this rule). */
export type PlacementRequest = (typeof PLACEMENT_REQUESTS)[number];

/** True when `value` is a placement request. */
export function isPlacementRequest(value: unknown): value is PlacementRequest {
  return (PLACEMENT_REQUESTS as readonly unknown[]).includes(value);
}

/** What `decidePlacement` looks at. */
export interface PlacementFacts {
  /** What the task asks for (its `metadata.placement`, else the app's default). */
  requested: PlacementRequest;
  /** A server is configured at all. */
  remoteConfigured: boolean;
  /** The app marks the task's model remote-only (the device does not hold it). */
  remoteOnlyModel: boolean;
  /** A submit to the server failed for want of a connection a short while ago (backoff not over). */
  serverUnreachable: boolean;
  /** Epoch ms now. */
  now: number;
  /** The task's deadline, epoch ms. */
  deadline?: number | undefined;
  /**
   * How long the task would wait for a worker of this device before it starts: 0 when one is free,
   * else the local queue's estimate (tasks ahead of it for this device, over its workers, times the
   * mean duration).
   */
  localWaitMs: number;
  /** Mean duration of such tasks on this device; `undefined` while none has run (no evidence it is slow). */
  localDurationMs?: number | undefined;
}

/**
 * `local` and `remote` requests are kept (with no server configured, everything is local). `auto`:
 * remote for a remote-only model; local while the server cannot be reached; remote when this
 * device would miss the deadline (`now + localWaitMs + localDurationMs > deadline`); else local.
 *
 * @example decidePlacement({ requested: 'auto', remoteConfigured: true, remoteOnlyModel: false, serverUnreachable: false, now, deadline: now + 500, localWaitMs: 2000, localDurationMs: 300 }) // 'remote'
 */
export function decidePlacement(facts: PlacementFacts): Placement {
  if (!facts.remoteConfigured) return 'local';
  if (facts.requested !== 'auto') return facts.requested;
  if (facts.remoteOnlyModel) return 'remote';
  if (facts.serverUnreachable) return 'local';
  if (facts.deadline === undefined) return 'local';
  const finish = facts.now + facts.localWaitMs + (facts.localDurationMs ?? 0);
  return finish > facts.deadline ? 'remote' : 'local';
}

/**
 * The local queue's wait estimate: `ahead` tasks for this device before this one, `capacity`
 * workers of which `free` are free now, each task taking `durationMs`.
 * @example localWaitEstimate({ ahead: 4, free: 0, capacity: 2, durationMs: 100 }) // 250: the running round half done, then two rounds of two
 */
export function localWaitEstimate(o: { ahead: number; free: number; capacity: number; durationMs: number | undefined }): number {
  if (o.free > o.ahead) return 0;
  const d = o.durationMs ?? 0;
  // Rounds of `capacity` tasks that must end before a worker takes this one; the first round is
  // under way (half done, on average).
  const rounds = Math.floor((o.ahead - o.free) / Math.max(1, o.capacity));
  return d / 2 + rounds * d;
}
