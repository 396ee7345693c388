/**
 * The Vite server the model benchmarks (embed, remote embed) load their pages from: this package
 * from its sources, the demo's public folder (the corpus) at the root, ORT's files and use-lite
 * (@taskweave/model-use-lite) from the package plugin, and no file watching, so edits elsewhere in the workspace never reload a page
 * mid-run. BENCH_VITE_LOG=1 shows Vite's log.
 */
import { fileURLToPath } from 'node:url';
import { createServer, defaultClientConditions, type ViteDevServer } from 'vite';
import { DEMO_PUBLIC_DIR } from '../../../scripts/demoAssets.mjs';
import { taskweaveOrt } from '../vite.js';

/** Starts the server; resolves with it and the URL it listens on. */
export async function startModelBenchServer(): Promise<{ server: ViteDevServer; base: string }> {
  const server = await createServer({
    root: fileURLToPath(new URL('..', import.meta.url)),
    configFile: false,
    // @taskweave/core from its sources (its "@taskweave/source" export condition), not its dist/.
    resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
    logLevel: process.env['BENCH_VITE_LOG'] === '1' ? 'info' : 'error',
    publicDir: DEMO_PUBLIC_DIR,
    appType: 'mpa',
    plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })],
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    worker: { format: 'es' },
    optimizeDeps: { include: ['comlink', 'idb', 'zod', 'onnxruntime-web/webgpu', '@huggingface/transformers', '@taskweave/core', '@taskweave/core/idb'] },
  });
  await server.listen();
  return { server, base: server.resolvedUrls?.local[0] ?? '' };
}
