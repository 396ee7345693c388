/**
 * The options of `mountDevtools`, checked once at the boundary: a bad one is a `ValidationError`
 * naming the field.
 */
import { ValidationError } from '@taskweave/core';

/** Where the launcher button sits. */
export type DevtoolsPosition = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';

export interface DevtoolsOptions {
  /** The corner of the launcher button (the panel docks to the bottom or the top edge with it). @default 'bottom-right' */
  position?: DevtoolsPosition;
  /** Open the panel at once. @default false */
  open?: boolean;
  /** The element the devtools' host element is appended to. @default document.body */
  container?: HTMLElement;
  /** Tasks per page of the task list (`tw.list`'s `limit`, 1..1000). @default 50 */
  pageSize?: number;
  /** Least time between two reads while the panel is open (ms, ≥ 100): events mark it stale, reads follow at most this often. @default 300 */
  refreshMs?: number;
}

/** Options with defaults applied. */
export interface ResolvedDevtoolsOptions {
  position: DevtoolsPosition;
  open: boolean;
  container: HTMLElement;
  pageSize: number;
  refreshMs: number;
}

const POSITIONS: readonly DevtoolsPosition[] = ['bottom-right', 'bottom-left', 'top-right', 'top-left'];

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`mountDevtools: ${field} ${message}`, [{ path: [field], field, message }]);
}

export function resolveDevtoolsOptions(options: DevtoolsOptions): ResolvedDevtoolsOptions {
  const { position = 'bottom-right', open = false, pageSize = 50, refreshMs = 300 } = options;
  if (!POSITIONS.includes(position)) throw invalid('position', `must be one of ${POSITIONS.join(', ')}`);
  if (typeof open !== 'boolean') throw invalid('open', 'must be a boolean');
  if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000)) throw invalid('pageSize', 'must be a whole number from 1 to 1000');
  if (!(Number.isFinite(refreshMs) && refreshMs >= 100)) throw invalid('refreshMs', 'must be a number of ms ≥ 100');
  const container = options.container ?? document.body;
  if (!(container instanceof HTMLElement)) throw invalid('container', 'must be an HTMLElement');
  return { position, open, container, pageSize, refreshMs };
}
