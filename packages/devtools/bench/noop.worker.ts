// The pool's worker of the benchmark (as an app writes one): custom:noop returns at once.
import { registerHandler } from '@taskweave/web-worker/worker';

registerHandler('custom:noop', async () => ({ kind: 'none' }));
