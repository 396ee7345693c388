/**
 * Compile-time only (`pnpm typecheck`): the plugin in webpack.js must match the types it publishes
 * in webpack.types.d.ts. Never imported at run time.
 */
import * as implementation from './webpack.js';
import type * as published from './webpack.types.js';

export const matchesPublishedTypes: typeof published = implementation;
