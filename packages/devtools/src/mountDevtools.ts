/**
 * The launcher: a small button in a corner of the page, in its own shadow root. The panel's code
 * is imported (`import()`) the first time it opens, so an app that mounts the devtools loads this
 * file alone until someone clicks. Closed, it holds no subscription, no timer and reads nothing.
 */
import { ValidationError } from '@taskweave/core';
import { resolveDevtoolsOptions, type DevtoolsOptions } from './options.js';
import type { DevtoolsTarget } from './target.js';
import type { Panel } from './panel/panel.js';

/** What `mountDevtools` returns. */
export interface DevtoolsHandle {
  /** Opens the panel (imports its code the first time); resolves once it is shown. */
  open(): Promise<void>;
  /** Closes the panel: its subscriptions, timers and reads stop. */
  close(): void;
  /** Closes the panel and removes the launcher from the page. */
  unmount(): void;
  /** Whether the panel is open (or opening). */
  readonly isOpen: boolean;
}

const LAUNCHER_CSS = `
:host { all: initial; }
.launcher { position: fixed; z-index: 2147483646; width: 40px; height: 40px; border-radius: 50%; border: 1px solid #334155;
  background: #0f172a; color: #e2e8f0; font: 600 12px/1 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; cursor: pointer;
  box-shadow: 0 2px 8px rgb(0 0 0 / 0.3); }
.launcher:hover, .launcher:focus-visible { background: #1e293b; outline: 2px solid #38bdf8; outline-offset: 2px; }
.launcher[aria-expanded="true"] { display: none; }
.bottom-right { right: 12px; bottom: 12px; } .bottom-left { left: 12px; bottom: 12px; }
.top-right { right: 12px; top: 12px; } .top-left { left: 12px; top: 12px; }
`;

/**
 * Styles for a shadow root: a constructable stylesheet (CSSOM, so a Content-Security-Policy without
 * `'unsafe-inline'` styles allows it), or a `<style>` where constructable sheets are missing.
 */
export function adoptStyles(root: ShadowRoot, css: string): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return;
  }
  const style = document.createElement('style');
  style.textContent = css;
  root.append(style);
}

function isTarget(tw: unknown): tw is DevtoolsTarget {
  const t = tw as Partial<Record<keyof DevtoolsTarget, unknown>> | null;
  return typeof t === 'object' && t !== null && ['list', 'snapshot', 'subscribe', 'get', 'cancel', 'prune', 'onRoleChange'].every((k) => typeof t[k as keyof DevtoolsTarget] === 'function') && typeof t.models === 'object';
}

/**
 * Mounts the devtools over a taskweave handle: a launcher button, and the panel when opened
 * (tasks, queue and workers, model cache, tabs; cancel, prune, clear a model).
 *
 * In a production build (Vite, webpack: the `production` export condition) `@taskweave/devtools`
 * is a no-op; import `@taskweave/devtools/production` to ship the panel on purpose.
 *
 * @example
 * import { mountDevtools } from '@taskweave/devtools'
 * const devtools = mountDevtools(tw, { position: 'bottom-left' })
 * await devtools.open()
 */
export function mountDevtools(tw: DevtoolsTarget, options: DevtoolsOptions = {}): DevtoolsHandle {
  if (!isTarget(tw)) throw new ValidationError('mountDevtools: tw must be a taskweave handle (createTaskweave)', [{ path: ['tw'], field: 'tw', message: 'must be a taskweave handle' }]);
  const resolved = resolveDevtoolsOptions(options);
  const host = document.createElement('taskweave-devtools');
  const root = host.attachShadow({ mode: 'open' });
  adoptStyles(root, LAUNCHER_CSS);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `launcher ${resolved.position}`;
  button.textContent = 'tw';
  button.title = 'taskweave devtools';
  button.setAttribute('aria-label', 'Open taskweave devtools');
  button.setAttribute('aria-expanded', 'false');
  root.append(button);
  resolved.container.append(host);

  let panel: Panel | undefined;
  let opening: Promise<void> | undefined;
  // Bumped by close(): an open() whose import resolves after a close() shows nothing.
  let generation = 0;
  let mounted = true;

  const setExpanded = (open: boolean): void => {
    button.setAttribute('aria-expanded', String(open));
    button.setAttribute('aria-label', open ? 'Close taskweave devtools' : 'Open taskweave devtools');
  };

  const handle: DevtoolsHandle = {
    get isOpen() {
      return panel !== undefined || opening !== undefined;
    },
    open() {
      if (!mounted) return Promise.reject(new ValidationError('mountDevtools: open() after unmount()', [{ path: ['open'], field: 'open', message: 'unmounted' }]));
      if (panel !== undefined) return Promise.resolve();
      if (opening !== undefined) return opening;
      const mine = generation;
      setExpanded(true);
      opening = import('./panel/panel.js')
        .then(({ createPanel }) => {
          if (mine !== generation) return;
          panel = createPanel(root, tw, resolved, () => handle.close());
        })
        .finally(() => {
          if (mine === generation) opening = undefined;
        });
      return opening;
    },
    close() {
      generation++;
      opening = undefined;
      panel?.destroy();
      panel = undefined;
      setExpanded(false);
    },
    unmount() {
      handle.close();
      mounted = false;
      button.removeEventListener('click', toggle);
      host.remove();
    },
  };

  function toggle(): void {
    if (handle.isOpen) handle.close();
    else void handle.open();
  }
  button.addEventListener('click', toggle);
  if (resolved.open) void handle.open();
  return handle;
}
