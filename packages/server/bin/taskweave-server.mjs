#!/usr/bin/env node
// The built CLI (dist/cli/server.js); inside this workspace, run with
// `node --conditions=@taskweave/source --import tsx`, the TypeScript source instead.
await import('#cli/server');
