/**
 * The panel, loaded by `open()`: a header (this tab's role, the leader, a notice line, Prune, close),
 * three views (tasks, queue and workers, model cache), and the one subscription and one timer
 * that keep the shown view fresh. `destroy()` removes all of them: a closed panel costs nothing.
 */
import type { PruneOptions } from '@taskweave/core';
import type { TaskweaveEvent, TaskweaveSnapshot } from '@taskweave/web-worker';
import { adoptStyles } from '../mountDevtools.js';
import type { ResolvedDevtoolsOptions } from '../options.js';
import type { DevtoolsTarget } from '../target.js';
import type { PanelContext, PanelView } from './context.js';
import { button, h, message, setText } from './dom.js';
import { ModelsView } from './modelsView.js';
import { PANEL_CSS } from './panelStyles.js';
import { Refresher } from './refresher.js';
import { SystemView } from './systemView.js';
import { TasksView } from './tasksView.js';

export interface Panel {
  destroy(): void;
}

const adopted = new WeakSet<ShadowRoot>();

/** Mounts the panel into the launcher's shadow root; `onClose` is the launcher's `close()`. */
export function createPanel(root: ShadowRoot, tw: DevtoolsTarget, options: ResolvedDevtoolsOptions, onClose: () => void): Panel {
  if (!adopted.has(root)) {
    adoptStyles(root, PANEL_CSS);
    adopted.add(root);
  }
  const role = h('span', { class: `role r-${tw.role}`, 'data-field': 'header-role' }, tw.role);
  const leader = h('span', { class: 'muted', 'data-field': 'header-leader' }, 'leader: …');
  const notice = h('span', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  let refresher: Refresher | undefined;

  const ctx: PanelContext = {
    tw,
    options,
    notify(text, kind) {
      notice.className = `notice ${kind ?? ''}`;
      setText(notice, text);
      notice.title = text;
    },
    requestRefresh: () => refresher?.request(),
  };

  const showSnapshot = (s: TaskweaveSnapshot): void => {
    role.className = `role r-${s.tab.role}`;
    setText(role, s.tab.role);
    setText(leader, s.leaderTabId === undefined ? 'no leader answered' : s.leaderTabId === s.tab.id ? 'leader: this tab' : `leader: ${s.leaderTabId.slice(0, 8)}…`);
    leader.title = s.leaderTabId ?? '';
    tasks.showCounts(s.queue);
  };
  const tasks = new TasksView(ctx);
  const system = new SystemView(ctx, showSnapshot);
  const models = new ModelsView(ctx);
  const views: Array<[string, string, PanelView]> = [
    ['tasks', 'Tasks', tasks],
    ['system', 'Queue & workers', system],
    ['models', 'Model cache', models],
  ];
  let shown: PanelView = tasks;
  // The header's role and leader come from a snapshot: read once on open and after a role change.
  let headerStale = true;

  const tabs = views.map(([id, label, view]) => {
    const tab = button(label, () => showView(view), { role: 'tab', 'data-tab': id, 'aria-selected': String(view === shown) });
    return [tab, view] as const;
  });
  function showView(view: PanelView): void {
    shown = view;
    for (const [tab, v] of tabs) tab.setAttribute('aria-selected', String(v === view));
    for (const [, , v] of views) v.el.hidden = v !== view;
    view.markStale();
    refresher?.request();
  }

  // Which finished tasks Prune removes (tw.prune's options): the panel cannot know the app's retention rule.
  // The least destructive rule first.
  const pruneRules: Array<[string, string, PruneOptions]> = [
    ['hour', 'finished > 1 h ago', { olderThanMs: 3_600_000 }],
    ['minute', 'finished > 1 min ago', { olderThanMs: 60_000 }],
    ['last-100', 'all but the last 100', { keepLast: 100 }],
    ['all', 'all finished', { keepLast: 0 }],
  ];
  const pruneRule = h('select', { 'aria-label': 'Which finished tasks to prune', 'data-field': 'prune-rule' }, ...pruneRules.map(([value, label]) => h('option', { value }, label)));
  const prune = button('Prune', () => void doPrune(), { class: 'danger', 'data-action': 'prune', title: 'tw.prune(): removes finished tasks from the store' });
  async function doPrune(): Promise<void> {
    const rule = pruneRules.find(([value]) => value === pruneRule.value)?.[2] ?? { olderThanMs: 3_600_000 };
    try {
      const removed = await tw.prune(rule);
      ctx.notify(`Pruned ${removed} finished task${removed === 1 ? '' : 's'}`, 'ok');
    } catch (error) {
      ctx.notify(`Prune failed: ${message(error)}`, 'error');
    }
    shown.markStale();
    refresher?.request();
  }

  const el = h(
    'div',
    { class: `panel ${options.position.startsWith('top') ? 'top' : 'bottom'}`, role: 'dialog', 'aria-label': 'taskweave devtools' },
    h('header', {}, h('h2', {}, 'taskweave devtools'), role, leader, h('span', { class: 'spacer' }), notice, pruneRule, prune, button('×', onClose, { class: 'close', 'aria-label': 'Close devtools', 'data-action': 'close' })),
    h('nav', { role: 'tablist' }, ...tabs.map(([tab]) => tab)),
    h('div', { class: 'body' }, ...views.map(([, , v]) => v.el)),
  );
  showView(tasks);

  refresher = new Refresher(async () => {
    const jobs: Promise<void>[] = [];
    if (shown.stale) jobs.push(shown.refresh());
    if (headerStale && shown !== system) {
      headerStale = false;
      jobs.push(tw.snapshot().then(showSnapshot, (error: unknown) => ctx.notify(`Reading the snapshot failed: ${message(error)}`, 'error')));
    } else if (shown === system) headerStale = false;
    await Promise.all(jobs);
  }, options.refreshMs);

  const onEvent = (event: TaskweaveEvent): void => {
    if (event.type === 'status') {
      tasks.onStatus(event);
      if (shown === tasks && tasks.stale) refresher?.request();
    } else if (event.type === 'queue') {
      tasks.showCounts(event.snapshot);
      system.markStale();
      if (shown === system) refresher?.request();
    }
  };
  const unsubscribe = tw.subscribe(onEvent);
  const offRole = tw.onRoleChange(() => {
    headerStale = true;
    system.markStale();
    refresher?.request();
  });

  root.append(el);
  refresher.request();

  return {
    destroy() {
      unsubscribe();
      offRole();
      refresher?.stop();
      refresher = undefined;
      el.remove();
    },
  };
}
