// A React app's whole Vite config for taskweave: the plugin, naming the model package it serves
// under /models/. No React plugin: Vite compiles .tsx with the automatic JSX runtime (tsconfig's
// `jsx: react-jsx`).
import { taskweaveOrt } from '@taskweave/web-worker/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })],
});
