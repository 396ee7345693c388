// All the bundler config a Vite app needs for taskweave: the plugin, naming the model package it
// serves under /models/ (use-lite at /models/use-lite/).
import { taskweaveOrt } from '@taskweave/web-worker/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })],
  // Not for taskweave: the test serves the app under a strict Content-Security-Policy (no
  // 'unsafe-eval') to show the SDK evaluates no code from strings.
  preview: { headers: { 'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'" } },
});
