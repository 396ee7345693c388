// The size an app pays for @taskweave/react: dist/index.js bundled by esbuild as an app's bundler
// would, minified, with React and the taskweave packages external (the app has them anyway), then
// gzipped. Run by `pnpm build`; fails over the budget (issue #31: 3 kB min+gzip).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 3000;

const result = await build({
  entryPoints: [new URL('../dist/index.js', import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  external: ['react', 'react/jsx-runtime', 'react-dom', '@taskweave/*'],
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
const gzipped = gzipSync(code, { level: 9 }).byteLength;
console.log(`@taskweave/react: ${code.byteLength} bytes minified, ${gzipped} bytes min+gzip (budget ${BUDGET_BYTES})`);
if (gzipped > BUDGET_BYTES) {
  console.error(`@taskweave/react is ${gzipped - BUDGET_BYTES} bytes over its budget`);
  process.exit(1);
}
