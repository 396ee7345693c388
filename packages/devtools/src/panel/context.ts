/** What the panel's views share: the handle, the options, and the panel's notice line. */
import type { ResolvedDevtoolsOptions } from '../options.js';
import type { DevtoolsTarget } from '../target.js';

export interface PanelContext {
  readonly tw: DevtoolsTarget;
  readonly options: ResolvedDevtoolsOptions;
  /** Shows a one-line notice in the panel's header (an action's outcome or an error). */
  notify(text: string, kind?: 'ok' | 'error'): void;
  /** Marks the visible view stale: it reads again within `refreshMs`. */
  requestRefresh(): void;
}

/** One tab of the panel. `refresh` reads only while the view is shown and open. */
export interface PanelView {
  readonly el: HTMLElement;
  /** Whether an event or an action made what is shown out of date. */
  readonly stale: boolean;
  markStale(): void;
  refresh(): Promise<void>;
}
