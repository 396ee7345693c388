/**
 * The worker pool as a visitor sees it, in every tab: each worker's state (busy or idle), loaded
 * models, backend, tasks done — from `tw.snapshot()` (a follower tab asks the tab that runs the
 * tasks) — and, in that tab, a progress bar per model a worker is loading, from `pool.subscribe()`.
 * Redrawn once per animation frame after a pool event, and every half second (busy/idle changes
 * between events). Bars belong to a worker by its id, so a replaced or recycled worker's bars go
 * with it.
 */
import type { PoolSnapshot, Taskweave, WorkerPool } from '@taskweave/web-worker';
import { h, onFrame } from './dom.js';
import { ModelProgressTracker } from './modelProgress.js';

/** Renders the pool into `root`; returns the function that stops it (a tab's role changed). */
export function mountPoolView(root: HTMLElement, tw: Pick<Taskweave, 'snapshot'>, pool: WorkerPool | undefined): () => void {
  const tracker = new ModelProgressTracker();
  const list = h('div', { class: 'workers', 'data-testid': 'workers' });
  const summary = h('p', { class: 'pool-summary' });
  root.append(list, summary);
  let latest: PoolSnapshot | undefined;
  let stopped = false;

  const render = (): void => {
    const snap = latest;
    if (snap === undefined) {
      summary.textContent = 'waiting for the tab that runs the tasks…';
      return;
    }
    tracker.keepOnly(new Set(snap.workers.map((w) => w.id)));
    list.replaceChildren(
      ...snap.workers.map((w) => {
        const busy = w.taskIds.length > 0;
        const bars = tracker.forWorker(w.id).map((load) =>
          h('div', { class: 'model-load' },
            h('label', {}, `${load.modelId} ${load.ready ? `ready (${load.backend ?? '?'})` : load.file === '' ? 'loaded' : `loading ${load.file}`}`),
            h('progress', { max: 1, value: load.fraction, 'data-model': load.modelId }),
          ),
        );
        return h('article', { class: `worker ${busy ? 'busy' : 'idle'}`, 'data-worker': w.index },
          h('header', {}, h('strong', {}, `worker ${w.index}`), h('span', { class: 'badge' }, busy ? `busy · ${w.taskIds.length} task${w.taskIds.length > 1 ? 's' : ''}` : w.state)),
          h('dl', {},
            h('dt', {}, 'backend'), h('dd', {}, w.backend ?? '—'),
            h('dt', {}, 'models'), h('dd', {}, w.models.length > 0 ? w.models.join(', ') : 'none loaded'),
            h('dt', {}, 'jobs done'), h('dd', {}, w.jobsDone),
          ),
          ...bars,
        );
      }),
    );
    summary.textContent = `${snap.size} workers · ${snap.replaced} replaced after a crash · ${snap.recycled} recycled`;
  };
  const redraw = onFrame(render);
  let reading = false;
  const refresh = (): void => {
    if (reading || stopped) return;
    reading = true;
    tw.snapshot().then(
      (snapshot) => {
        reading = false;
        if (stopped) return;
        latest = snapshot.pool;
        redraw();
      },
      () => (reading = false),
    );
  };
  const stopEvents = pool?.subscribe((event) => {
    // The worker's id now: a later worker at the same index is another worker.
    if (event.type === 'progress') tracker.update(pool.snapshot().workers[event.workerIndex]?.id ?? -1, event.progress);
    refresh();
  });
  const timer = setInterval(refresh, 500);
  refresh();
  return () => {
    stopped = true;
    clearInterval(timer);
    stopEvents?.();
  };
}
