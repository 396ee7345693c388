/**
 * The demo's Vite config: the taskweave plugin serves onnxruntime-web's `.mjs`/`.wasm` from this
 * origin under `/ort/` and the use-lite model from its package (@taskweave/model-use-lite) under
 * `/models/use-lite/` (and emits both into the build); cross-origin isolation headers
 * (SharedArrayBuffer, threaded WASM) in dev and preview; ES-module workers; `appType: 'mpa'` so
 * a missing model file is a 404, not index.html; localhost only.
 */
import { taskweaveOrt } from '@taskweave/web-worker/vite';
import { defaultClientConditions, defineConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  appType: 'mpa',
  plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })],
  // The workspace's packages from their sources (their "@taskweave/source" export condition); an
  // app that installs them gets their built dist/ and needs no such line.
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  server: { host: 'localhost', port: 5173, headers: isolation },
  preview: { host: 'localhost', port: 4173, headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
