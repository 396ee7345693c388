// Every public entry of the taskweave packages this app installs, for tsconfig.lib.json to check
// their declarations with skipLibCheck off (types only: nothing here runs).
export type * from '@taskweave/core';
export type * from '@taskweave/core/idb';
export type * from '@taskweave/web-worker';
export type * from '@taskweave/web-worker/worker';
