/**
 * The live queue: counts by status and by priority, redrawn at most once per animation frame.
 *
 * Unfinished counts (Pending, Running, by priority, phases) are the scheduler's (`getSnapshot()`,
 * O(1)). Finished counts are the database's, so a reload keeps them: the finished tasks the store
 * holds (`tw.list`, read once when the page starts) joined with every end the status events
 * announce after, counted by id so a task read and announced both counts once.
 */
import { TASK_PRIORITY_NAMES, TASK_STATUSES, isTerminalStatus, type TaskId, type TaskStatus } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { h, onFrame } from './dom.js';

/** Finished tasks read from the store at start, at most (a page of tasks is 1,000). */
const READ_AT_MOST = 20_000;

/** Renders the queue counters into `root`. */
export function mountQueueView(root: HTMLElement, tw: Pick<Taskweave, 'subscribe' | 'getSnapshot' | 'list'>, onError: (error: unknown) => void): void {
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

  /** Each finished task's id, by its status: what the store held at start, and every end since. */
  const finished = new Map<TaskId, TaskStatus>();
  let readMore = false;
  const render = (): void => {
    const counts = new Map<TaskStatus, number>();
    for (const status of finished.values()) counts.set(status, (counts.get(status) ?? 0) + 1);
    for (const status of TASK_STATUSES) {
      if (isTerminalStatus(status)) statusCells.get(status)!.textContent = `${counts.get(status) ?? 0}${readMore ? '+' : ''}`;
    }
    const snap = tw.getSnapshot();
    if (!snap) {
      phases.textContent = 'waiting for the tab that runs the tasks…';
      return;
    }
    for (const status of TASK_STATUSES) if (!isTerminalStatus(status)) statusCells.get(status)!.textContent = String(snap.byStatus[status]);
    for (const [priority, cell] of priorityCells) cell.textContent = String(snap.byPriority[priority]);
    phases.textContent = `running ${snap.running} of ${snap.concurrency} slots · ready ${snap.ready} · waiting on dependencies ${snap.blocked} · waiting to retry ${snap.retrying}`;
  };
  const redraw = onFrame(render);
  tw.subscribe((event) => {
    if (event.type === 'queue') redraw();
    else if (event.type === 'status' && isTerminalStatus(event.status)) {
      finished.set(event.taskId, event.status);
      redraw();
    }
  });
  void (async () => {
    const ended = TASK_STATUSES.filter(isTerminalStatus);
    let cursor: string | undefined;
    let read = 0;
    do {
      const page = await tw.list({ status: ended, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const task of page.tasks) if (!finished.has(task.id)) finished.set(task.id, task.status);
      read += page.tasks.length;
      cursor = page.nextCursor;
    } while (cursor !== undefined && read < READ_AT_MOST);
    readMore = cursor !== undefined;
    redraw();
  })().catch(onError);
  render();
}
