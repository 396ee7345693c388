#!/usr/bin/env node
// Runs the TypeScript sources through tsx (the workspace has no build of this package yet).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/worker.ts');
