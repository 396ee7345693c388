/**
 * `GET /metrics` in Prometheus' text format (version 0.0.4), read from Redis so every API process
 * of a fleet answers the same: jobs in the queue by state (BullMQ's counts), tasks ended by status
 * and the duration of their final attempt (counted by `TaskBoard.end`, once per task), and the
 * workers heard from recently.
 */
import { DURATION_BUCKETS, type TaskBoard } from './taskBoard.js';

const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'waiting-children'] as const;

const label = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

export async function prometheusText(board: TaskBoard): Promise<string> {
  const queue = label(board.queue.name);
  const [counts, stats, workers] = await Promise.all([board.queue.getJobCounts(...STATES), board.stats(), board.fleet.workers()]);
  const lines: string[] = [
    '# HELP taskweave_queue_jobs Jobs in the BullMQ queue, by state.',
    '# TYPE taskweave_queue_jobs gauge',
    ...STATES.map((state) => `taskweave_queue_jobs{queue="${queue}",state="${state}"} ${counts[state] ?? 0}`),
    '# HELP taskweave_tasks_ended_total Tasks that ended, by status (each task counted once).',
    '# TYPE taskweave_tasks_ended_total counter',
    ...Object.entries(stats.ended).map(([status, n]) => `taskweave_tasks_ended_total{queue="${queue}",status="${label(status)}"} ${n}`),
    '# HELP taskweave_task_duration_seconds Duration of the final attempt of tasks that ended.',
    '# TYPE taskweave_task_duration_seconds histogram',
  ];
  let cumulative = 0;
  DURATION_BUCKETS.forEach((bound, i) => {
    cumulative += stats.durationBuckets[i] ?? 0;
    lines.push(`taskweave_task_duration_seconds_bucket{queue="${queue}",le="${bound}"} ${cumulative}`);
  });
  lines.push(
    `taskweave_task_duration_seconds_bucket{queue="${queue}",le="+Inf"} ${stats.durationCount}`,
    `taskweave_task_duration_seconds_sum{queue="${queue}"} ${stats.durationSumMs / 1000}`,
    `taskweave_task_duration_seconds_count{queue="${queue}"} ${stats.durationCount}`,
    '# HELP taskweave_workers Worker processes heard from in the last 15 s.',
    '# TYPE taskweave_workers gauge',
    `taskweave_workers{queue="${queue}"} ${workers.length}`,
    '',
  );
  return lines.join('\n');
}
