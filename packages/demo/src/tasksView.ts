/**
 * The task table: the newest tasks with status, priority, deadline, dependencies, measured
 * metrics and output, and a Cancel button on unfinished ones. Redrawn once per animation frame.
 *
 * It does not move under the pointer: rows are kept by task id and updated in place, columns have
 * fixed widths (the table fits a 1,280 px window), a finished task's Cancel button keeps its
 * space, and while the pointer is over the table new tasks wait above it (a line says how many)
 * until the pointer leaves.
 */
import { TASK_PRIORITY_NAMES, isTerminalStatus, type TaskId } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { bytes, h, ms, onFrame } from './dom.js';
import { summarizeOutput } from './outputSummary.js';
import type { TaskEntry, TaskLog } from './taskLog.js';

/** Rows shown (the log keeps more). */
const ROWS = 60;

/** A short label for a task id. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Renders the table into `root`. */
export function mountTasksView(root: HTMLElement, log: TaskLog, tw: Pick<Taskweave, 'cancel'>, onError: (error: unknown) => void): void {
  const body = h('tbody');
  const count = h('p', { class: 'hint', 'data-testid': 'task-count' });
  const columns: [string, number][] = [
    ['task', 110], ['type', 140], ['priority', 64], ['status', 84], ['deadline', 76], ['after', 80],
    ['duration · wait', 124], ['backend · batch', 116], ['retries', 56], ['memory · cpu', 108], ['output', 0], ['', 70],
  ];
  const table = h('table', { 'data-testid': 'task-table', class: 'tasks' },
    h('colgroup', {}, ...columns.map(([, width]) => {
      const col = h('col');
      if (width > 0) col.style.width = `${width}px`; // CSSOM, not a style attribute: fine under a strict CSP
      return col;
    })),
    h('thead', {}, h('tr', {}, ...columns.map(([name]) => h('th', {}, name)))),
    body,
  );
  root.append(count, h('div', { class: 'table-wrap' }, table));
  // While the pointer is over the table, its rows keep their place: new ones wait.
  let frozen = false;
  table.addEventListener('pointerenter', () => (frozen = true));
  table.addEventListener('pointerleave', () => {
    frozen = false;
    render();
  });
  const cancel = (id: TaskId) => () => void tw.cancel(id).catch(onError);

  // Rows are kept by task id and their cells updated in place when the task changes, so a
  // Cancel button stays the same element (clickable) while the rest of the table updates.
  const rows = new Map<TaskId, { signature: string; row: HTMLTableRowElement }>();
  const render = (): void => {
    const entries = log.entries();
    const latest = entries.slice(0, ROWS);
    // Frozen: the rows shown stay, in their order; only their cells change.
    const shown = frozen && body.children.length > 0 ? [...rows.keys()].map((id) => log.get(id)).filter((e): e is TaskEntry => e !== undefined) : latest;
    const waiting = latest.filter((e) => !rows.has(e.id)).length;
    count.textContent = [
      frozen && waiting > 0 ? `${waiting} newer task${waiting > 1 ? 's' : ''} will show when the pointer leaves the table` : '',
      entries.length > ROWS ? `newest ${ROWS} of ${entries.length} tasks` : '',
    ].filter(Boolean).join(' · ');
    const wanted = shown.map((entry) => {
      const signature = `${entry.status}|${entry.retries}|${entry.result?.timestamp ?? ''}`;
      let kept = rows.get(entry.id);
      if (!kept) {
        kept = { signature: '', row: newRow(entry.id) };
        rows.set(entry.id, kept);
      }
      if (kept.signature !== signature) {
        kept.signature = signature;
        fillRow(kept.row, entry);
      }
      return kept.row;
    });
    if (frozen) return;
    const ids = new Set(shown.map((e) => e.id));
    for (const id of rows.keys()) if (!ids.has(id)) rows.delete(id);
    const current = body.children;
    if (current.length !== wanted.length || wanted.some((row, i) => current[i] !== row)) body.replaceChildren(...wanted);
  };
  const newRow = (id: TaskId): HTMLTableRowElement =>
    h('tr', { 'data-task': id },
      ...Array.from({ length: 11 }, () => h('td')),
      h('td', {}, h('button', { class: 'small', onclick: cancel(id), 'aria-label': `Cancel ${shortId(id)}` }, 'Cancel')),
    );
  const fillRow = (row: HTMLTableRowElement, { id, task, status, result, retries }: TaskEntry): void => {
    const m = result?.metrics;
    const label = task.metadata['label'] ?? '';
    row.className = `status-${status}`;
    const values: (Node | string)[][] = [
      [h('code', {}, shortId(id)), label ? ` ${label}` : ''],
      [task.type],
      [TASK_PRIORITY_NAMES[task.priority]],
      [status],
      [task.deadline === undefined ? '' : new Date(task.deadline).toLocaleTimeString()],
      [task.dependencies.map(shortId).join(', ')],
      [m ? `${ms(m.durationMs)} · ${ms(m.queueWaitMs)}` : ''],
      [m ? `${m.backend ?? ''}${m.batchSize ? ` · ${m.batchSize}` : ''}` : ''],
      [String(m ? m.retryCount : retries || '')],
      [m ? [m.memoryBytes > 0 ? bytes(m.memoryBytes) : '', m.cpuUsage > 0 ? `${Math.round(m.cpuUsage * 100)}%` : ''].filter(Boolean).join(' · ') : ''],
      [result ? (result.error ? `${result.errorCode ?? 'error'}: ${result.error}` : summarizeOutput(result.output)) : ''],
    ];
    const cells = row.cells;
    values.forEach((value, i) => cells[i]!.replaceChildren(...value));
    for (const cell of cells) cell.title = cell.textContent ?? '';
    cells[0]!.title = id;
    cells[3]!.className = 'status';
    cells[10]!.className = 'output';
    // A finished task's button keeps its place (hidden, not removed), so nothing shifts.
    const button = cells[11]!.firstElementChild as HTMLButtonElement;
    button.disabled = isTerminalStatus(status);
    button.classList.toggle('gone', isTerminalStatus(status));
  };
  log.subscribe(onFrame(render));
  render();
}
