/**
 * The worker pool as a visitor sees it: each worker's state (busy or idle), loaded models,
 * backend, tasks done, and a progress bar per model it is loading — from `pool.snapshot()` and
 * `pool.subscribe()`, redrawn once per animation frame.
 */
import type { WorkerPool } from '@taskweave/web-worker';
import { h, onFrame } from './dom.js';
import { ModelProgressTracker } from './modelProgress.js';

/** Renders the pool into `root`; returns the progress tracker (warm-up feeds it too). */
export function mountPoolView(root: HTMLElement, pool: WorkerPool): ModelProgressTracker {
  const tracker = new ModelProgressTracker();
  const list = h('div', { class: 'workers', 'data-testid': 'workers' });
  const summary = h('p', { class: 'pool-summary' });
  root.append(list, summary);

  const render = (): void => {
    const snap = pool.snapshot();
    list.replaceChildren(
      ...snap.workers.map((w) => {
        const busy = w.taskIds.length > 0;
        const bars = tracker.forWorker(w.index).map((load) =>
          h('div', { class: 'model-load' },
            h('label', {}, `${load.modelId} ${load.ready ? `ready (${load.backend ?? '?'})` : `loading ${load.file}`}`),
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
  pool.subscribe((event) => {
    if (event.type === 'progress') tracker.update(event.workerIndex, event.progress);
    redraw();
  });
  // Busy/idle changes between events (a job finishing) also show on the next frame tick.
  setInterval(redraw, 500);
  render();
  return tracker;
}
