/**
 * The live queue: counts by status and by priority from `getSnapshot()` (O(1)),
 * redrawn at most once per animation frame when the scheduler reports a change.
 */
import { TASK_PRIORITY_NAMES, TASK_STATUSES } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { h, onFrame } from './dom.js';

/** Renders the queue counters into `root`. */
export function mountQueueView(root: HTMLElement, tw: Pick<Taskweave, 'subscribe' | 'getSnapshot'>): void {
  const statusCells = new Map(TASK_STATUSES.map((s) => [s, h('output', { 'data-status': s }, '0')]));
  const priorityCells = new Map(TASK_PRIORITY_NAMES.map((p) => [p, h('output', { 'data-priority': p }, '0')]));
  const phases = h('p', { class: 'phases', 'data-testid': 'phases' });
  root.append(
    h('div', { class: 'counters', 'data-testid': 'status-counts' },
      ...TASK_STATUSES.map((s) => h('div', { class: `counter status-${s}` }, h('span', {}, s), statusCells.get(s)!))),
    h('h3', {}, 'Unfinished by priority'),
    h('div', { class: 'counters' },
      ...[...TASK_PRIORITY_NAMES].reverse().map((p) => h('div', { class: `counter priority-${p}` }, h('span', {}, p), priorityCells.get(p)!))),
    phases,
  );

  const render = (): void => {
    const snap = tw.getSnapshot();
    if (!snap) {
      phases.textContent = 'waiting for the tab that runs the tasks…';
      return;
    }
    for (const [status, cell] of statusCells) cell.textContent = String(snap.byStatus[status]);
    for (const [priority, cell] of priorityCells) cell.textContent = String(snap.byPriority[priority]);
    phases.textContent = `running ${snap.running} of ${snap.concurrency} slots · ready ${snap.ready} · waiting on dependencies ${snap.blocked} · waiting to retry ${snap.retrying}`;
  };
  const redraw = onFrame(render);
  tw.subscribe((event) => {
    if (event.type === 'queue') redraw();
  });
  render();
}
