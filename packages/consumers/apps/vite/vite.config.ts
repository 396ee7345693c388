// All the bundler config a Vite app needs for taskweave: the plugin.
import { taskweaveOrt } from '@taskweave/web-worker/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [taskweaveOrt()],
  // Not for taskweave: the test serves the app under a strict Content-Security-Policy (no
  // 'unsafe-eval') to show the SDK evaluates no code from strings.
  preview: { headers: { 'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'" } },
});
