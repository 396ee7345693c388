export * from './task.js';
export * from './errors.js';
export type * from './ports.js';
export { systemClock } from './clock.js';
