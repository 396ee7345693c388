// The public entry of @taskweave/react, for tsconfig.lib.json to check its declarations (and the
// ones they reach) with skipLibCheck off (types only: nothing here runs).
export type * from '@taskweave/react';
