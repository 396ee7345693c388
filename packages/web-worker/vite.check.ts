/**
 * Compile-time only (`pnpm typecheck`): the plugin in vite.js must match the types it publishes
 * in vite.types.d.ts. Never imported at run time.
 */
import * as implementation from './vite.js';
import type * as published from './vite.types.js';

export const matchesPublishedTypes: typeof published = implementation;
