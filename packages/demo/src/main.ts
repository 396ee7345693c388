/**
 * The demo page: starts taskweave in this tab, mounts each panel, warms the embedding model up
 * in the workers with progress bars, and turns errors into notices a visitor can act on.
 * `document.body.dataset.runtime` goes `starting` → `ready` (and `warm` → `done`) for tests.
 */
import { TaskStatus, TaskweaveError } from '@taskweave/core';
import type { Taskweave, WorkerPool } from '@taskweave/web-worker';
// The demo shows the panel in its production build too: the explicit entry (the plain one is a
// no-op under the `production` condition). Its code loads when the panel first opens.
import { mountDevtools } from '@taskweave/devtools/production';
import './style.css';
import { byId, h } from './dom.js';
import { mountGenerateView } from './generateView.js';
import { mountIngestView } from './ingestView.js';
import { checkWebGpu, isMissingModel, isQuota, Notices } from './notices.js';
import { mountPoolView } from './poolView.js';
import { mountQueueView } from './queueView.js';
import { createRuntime, EMBEDDING_MODEL } from './runtime.js';
import { mountSearchView } from './searchView.js';
import { mountSubmitForm } from './submitForm.js';
import { TaskLog } from './taskLog.js';
import { mountTasksView } from './tasksView.js';
import { mountThroughputPlot } from './throughputPlot.js';

const notices = new Notices(byId('notices'));
const onError = (error: unknown): void => notices.error(error);
document.body.dataset['runtime'] = 'starting';

async function warmUp(tw: Taskweave, pool: WorkerPool): Promise<void> {
  document.body.dataset['warm'] = 'loading';
  try {
    // Into the model cache once, here, rather than by every worker at once; a later visit
    // finds it there and downloads nothing.
    await tw.models.prefetch(EMBEDDING_MODEL);
    const report = await pool.warmUp(EMBEDDING_MODEL);
    for (const worker of report.workers) if (!worker.ok && worker.error) onError(worker.error);
    const backends = [...new Set(report.workers.filter((w) => w.ok).map((w) => w.backend))];
    if (backends.length > 0 && !backends.includes('webgpu')) {
      notices.show('backend', 'warning', `WebGPU is not available here: ${EMBEDDING_MODEL} runs on WebAssembly (${backends.join(', ')}) in ${report.workers.length} workers. Everything works, only slower.`);
    }
  } catch (error) {
    onError(error);
  } finally {
    document.body.dataset['warm'] = 'done';
  }
}

let stopPoolView: (() => void) | undefined;

function mountPool(tw: Taskweave, pool: WorkerPool | undefined): void {
  const root = byId('pool');
  stopPoolView?.();
  root.querySelectorAll(':scope > :not(h2)').forEach((el) => el.remove());
  if (!pool) root.append(h('p', { class: 'hint' }, 'Another tab of this site runs the tasks (its workers are shown); this one submits and watches. It takes over when that tab closes.'));
  stopPoolView = mountPoolView(root, tw, pool);
  if (pool) void warmUp(tw, pool);
}

async function start(): Promise<void> {
  const gpu = checkWebGpu(notices);
  const { tw, recovery } = await createRuntime();
  const log = new TaskLog(tw);
  void log.seed().catch(onError);

  tw.subscribe((event) => {
    if (event.type === 'error') onError(event.error);
    else if (event.type === 'status' && event.status === TaskStatus.Failed) {
      // Failed tasks show in the table; the two a visitor can fix also get a notice. Events carry
      // no results: read this one.
      void tw.get(event.taskId).then((state) => {
        const result = state?.result;
        if (result?.error === undefined) return;
        const error = result.errorCode === 'persistence' ? new TaskweaveError('persistence', result.error) : new Error(result.error);
        if (isQuota(error) || isMissingModel(error)) onError(error);
      }, () => undefined);
    }
  });
  if (recovery && recovery.resumed + recovery.interrupted > 0) {
    notices.show(
      'resumed',
      'info',
      `Resumed after the reload: ${recovery.resumed} pending tasks queued again, ${recovery.interrupted} interrupted ones run again${recovery.failed ? `, ${recovery.failed} could not be resumed` : ''}.`,
    );
  }
  if (tw.role === 'follower') notices.show('role', 'info', 'Another tab of this site is running the tasks: this tab submits and watches.');
  tw.onRoleChange((role) => {
    if (role !== 'leader') return;
    notices.show('role', 'info', 'This tab now runs the tasks (the tab that ran them closed).');
    mountPool(tw, tw.pool);
  });

  mountIngestView(byId('ingest'), tw, onError);
  mountSearchView(byId('search'), tw, onError);
  mountGenerateView(byId('generate'), tw, onError);
  mountSubmitForm(byId('submit'), tw, log, onError);
  mountQueueView(byId('queue'), tw, onError);
  mountThroughputPlot(byId('queue'), log);
  mountTasksView(byId('tasks'), log, tw, onError);
  mountPool(tw, tw.pool);
  mountDevtools(tw);
  await gpu;
  document.body.dataset['runtime'] = 'ready';
}

start().catch((error: unknown) => {
  document.body.dataset['runtime'] = 'failed';
  onError(error);
});
