/**
 * A runnable tour of the scheduler in Node (no browser needed): priorities, a dependency
 * that reads its parent's output, a retry, a deadline, a cancel, events and metrics.
 *
 * Run: pnpm --filter @taskweave/core example
 */
import { MemoryTaskStore, TaskPriority, TaskScheduler, TaskType, type Executor } from '../src/index.js';

let flaky = 0;
const executor: Executor = {
  capacity: 2,
  async execute(task, ctx) {
    const text = task.input.kind === 'text' ? task.input.text : '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, text === 'slow' ? 2_000 : 50);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      });
    });
    if (text === 'flaky' && flaky++ < 2) throw new Error(`flaky failure #${flaky}`);
    const parents = ctx.dependencies.map((d) => (d.output.kind === 'text' ? d.output.text : '')).join(' + ');
    return { kind: 'text', text: parents ? `${text.toUpperCase()} (after ${parents})` : text.toUpperCase() };
  },
};

// A MemoryTaskStore keeps tasks for the life of the process (the default without `store`, written
// out here); a page passes an IdbTaskStore so they survive a reload. Results are read from it.
const scheduler = new TaskScheduler({ executor, store: new MemoryTaskStore(), baseDelayMs: 100 });
scheduler.subscribe((event) => {
  if (event.type === 'status') console.log(`  ${event.taskId.slice(0, 8)} ${event.previousStatus ?? '—'} → ${event.status}`);
  if (event.type === 'retry') console.log(`  ${event.taskId.slice(0, 8)} retry #${event.retryCount} in ${event.delayMs.toFixed(0)} ms: ${event.error.message}`);
});

const job = (text: string) => ({ type: TaskType.TextProcessing, input: { kind: 'text' as const, text } });
const parent = await scheduler.submit({ ...job('parent'), priority: TaskPriority.Low });
const child = await scheduler.submit({ ...job('child'), dependencies: [parent], priority: TaskPriority.Critical });
const retried = await scheduler.submit({ ...job('flaky'), maxRetries: 3 });
const late = await scheduler.submit({ ...job('slow'), deadline: Date.now() + 300 });
const cancelled = await scheduler.submit({ ...job('never'), priority: TaskPriority.Low });
await scheduler.cancel(cancelled);

for (const [name, id] of Object.entries({ parent, child, retried, late, cancelled })) {
  const r = await scheduler.wait(id);
  const out = r.output.kind === 'text' ? r.output.text : r.output.kind;
  console.log(
    `${name.padEnd(9)} ${r.status.padEnd(9)} ${String(out).padEnd(28)} ${r.error ?? ''}`.trimEnd(),
    `| ${r.metrics.durationMs.toFixed(0)} ms, waited ${r.metrics.queueWaitMs.toFixed(0)} ms, retries ${r.metrics.retryCount}`,
  );
}
await scheduler.onIdle();
console.log('snapshot:', JSON.stringify(scheduler.getSnapshot().byStatus));
await scheduler.close();
