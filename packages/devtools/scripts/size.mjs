// Sizes of @taskweave/devtools as an app's bundler sees it (esbuild, ESM, code splitting, minified,
// gzip level 9): the launcher (what `import { mountDevtools } from '@taskweave/devtools'` adds to
// the app's bundle, @taskweave/core's error class included) and the panel's lazy chunk (what
// `open()` fetches); and the same import under the `production` condition (the no-op).
// Resolved through the package's own `exports`, from its sources (the `@taskweave/source` condition).
// Run: pnpm --filter @taskweave/devtools size
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const app = mkdtempSync(join(tmpdir(), 'taskweave-devtools-size-'));
try {
  // An app folder whose node_modules holds this package, so the import goes through its exports.
  mkdirSync(join(app, 'node_modules', '@taskweave'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules', '@taskweave', 'devtools'), 'dir');

  /** @param {string[]} conditions */
  async function sizes(conditions) {
    const result = await build({
      stdin: { contents: "import { mountDevtools } from '@taskweave/devtools'; export const devtools = mountDevtools(globalThis.tw);", resolveDir: app, loader: 'js' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      metafile: true,
      outdir: join(app, 'out'),
      conditions,
      preserveSymlinks: false,
      logLevel: 'error',
    });
    const files = new Map(result.outputFiles.map((f) => [f.path, f.contents]));
    const outputs = result.metafile.outputs;
    const key = (p) => join(app, p);
    const entry = Object.keys(outputs).find((p) => outputs[p].entryPoint !== undefined);
    /** Outputs reached from `start` through static imports. */
    const closure = (start) => {
      const seen = new Set([start]);
      for (const p of seen) for (const i of outputs[p].imports) if (i.kind === 'import-statement') seen.add(i.path);
      return seen;
    };
    const launcher = closure(entry);
    const lazy = new Set();
    for (const p of launcher) for (const i of outputs[p].imports) if (i.kind === 'dynamic-import') for (const q of closure(i.path)) if (!launcher.has(q)) lazy.add(q);
    const measure = (set) => {
      const bytes = [...set].map((p) => files.get(key(p)));
      return { min: bytes.reduce((n, b) => n + b.byteLength, 0), gzip: bytes.reduce((n, b) => n + gzipSync(b, { level: 9 }).byteLength, 0), files: set.size };
    };
    return { launcher: measure(launcher), lazy: measure(lazy) };
  }

  const kb = (n) => `${(n / 1024).toFixed(2)} kB`;
  const dev = await sizes(['@taskweave/source']);
  const prod = await sizes(['@taskweave/source', 'production']);
  console.log(`launcher (the entry an app imports): ${kb(dev.launcher.min)} min, ${kb(dev.launcher.gzip)} min+gzip`);
  console.log(`panel chunk (loaded on first open):  ${kb(dev.lazy.min)} min, ${kb(dev.lazy.gzip)} min+gzip (${dev.lazy.files} file${dev.lazy.files === 1 ? '' : 's'})`);
  console.log(`production condition (the no-op):    ${kb(prod.launcher.min)} min, ${kb(prod.launcher.gzip)} min+gzip, lazy chunk: ${prod.lazy.files === 0 ? 'none' : kb(prod.lazy.min)}`);
  if (dev.lazy.files === 0) throw new Error('the panel is not in a chunk of its own: open() would not load it lazily');
  if (prod.lazy.files !== 0 || prod.launcher.min > 512) throw new Error('the production condition does not give the no-op');
} finally {
  rmSync(app, { recursive: true, force: true });
}
