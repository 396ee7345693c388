/**
 * The packages as an app gets them: `pnpm pack` tarballs of @taskweave/core,
 * @taskweave/web-worker, @taskweave/react, @taskweave/devtools and the model package @taskweave/model-use-lite, checked by publint and
 * arethetypeswrong, installed into a Vite app and a webpack 5 app (each a project of its own in a
 * temporary folder, outside this workspace, with no model files of its own: the bundler plugin
 * serves use-lite from the installed model package), built, served, and run in Chromium: three
 * sentences embedded with use-lite by the default worker, with every request that leaves the
 * page's origin blocked and failing the test. The Vite app is
 * type-checked with strict tsc (taskweave's declarations with skipLibCheck off), started as `node node_modules/vite/bin/vite.js
 * preview` and served under a Content-Security-Policy without 'unsafe-eval', and run on Vite's
 * dev server too; it also runs a task on a worker of its own. A React app (the @taskweave/react
 * tarball too, strict tsc, Vite) embeds, stores, searches and lists its tasks with the hooks, built
 * and on the dev server (where StrictMode mounts twice); it mounts @taskweave/devtools, whose launcher
 * is on the page in development and whose production build holds the package's no-op only.
 *
 * Each app is installed and built once; the steps run concurrently where they can (2 cores).
 * KEEP_CONSUMERS=1 keeps the temporary folder (its path is printed).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { chromiumLaunchOptions } from '../../../scripts/chromium.mjs';
import { USE_LITE_FILES, appTool, filesUnder, installApp, installedCopies, installNodeApp, packLibraries, run, runPage, serveStatic, startProgram, tool, viteServer, type PageRun } from './harness.js';
import { redisServerPath } from '../../../scripts/systemPrograms.mjs';

/** use-lite measured 0.669 (cat/kitten) against 0.031 (either and stocks). */
const MARGIN = 0.3;
const CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

const work = mkdtempSync(join(tmpdir(), 'taskweave-consumers-'));
if (process.env['KEEP_CONSUMERS'] === '1') console.log(`consumer apps in ${work}`);

/** Settles with the value of `step`; a failure is reported by the test that awaits it, not as an unhandled rejection. */
function started<T>(step: () => Promise<T>): Promise<T> {
  const promise = step();
  promise.catch(() => {});
  return promise;
}

const packs = started(() => packLibraries(join(work, 'packs')));
// The browser apps with each package manager: the Vite app with pnpm, the webpack app with npm
// (install scripts on, with the README's one .npmrc line).
const viteApp = started(async () => installApp('vite', join(work, 'vite'), await packs, 'pnpm'));
const webpackApp = started(async () => installApp('webpack', join(work, 'webpack'), await packs, 'npm'));
// One after the other: each install unpacks onnxruntime-node and transformers.js (2 cores).
const npmServerApp = started(async () => installNodeApp(join(work, 'node-npm'), await packs, 'npm'));
const pnpmServerApp = started(async () => {
  await npmServerApp.catch(() => undefined);
  return installNodeApp(join(work, 'node-pnpm'), await packs, 'pnpm');
});
const viteTypecheck = started(async () => {
  const dir = await viteApp;
  await appTool(dir, 'typescript/bin/tsc', ['-p', 'tsconfig.json']);
  await appTool(dir, 'typescript/bin/tsc', ['-p', 'tsconfig.lib.json']);
  await appTool(dir, 'typescript/bin/tsc', ['-p', 'tsconfig.node.json']);
});
const reactApp = started(async () => {
  await viteApp.catch(() => undefined);
  return installApp('react', join(work, 'react'), await packs, 'pnpm');
});
const reactTypecheck = started(async () => {
  const dir = await reactApp;
  await appTool(dir, 'typescript/bin/tsc', ['-p', 'tsconfig.json']);
  await appTool(dir, 'typescript/bin/tsc', ['-p', 'tsconfig.lib.json']);
  await appTool(dir, 'typescript/bin/tsc', ['-p', 'tsconfig.node.json']);
});
const reactBuild = started(async () => appTool(await reactApp, 'vite/bin/vite.js', ['build', '--logLevel', 'warn']));
const viteBuild = started(async () => appTool(await viteApp, 'vite/bin/vite.js', ['build', '--logLevel', 'warn']));
const webpackBuild = started(async () => appTool(await webpackApp, 'webpack-cli/bin/cli.js', ['--mode', 'production']));

let browser: Browser | undefined;
const launch = async (): Promise<Browser> => (browser ??= await chromium.launch({ ...chromiumLaunchOptions(), headless: true }));

after(async () => {
  await Promise.allSettled([packs, viteApp, webpackApp, viteTypecheck, viteBuild, webpackBuild, npmServerApp, pnpmServerApp, reactApp, reactTypecheck, reactBuild]);
  await browser?.close();
  if (process.env['KEEP_CONSUMERS'] !== '1') rmSync(work, { recursive: true, force: true });
});

function assertEmbeds(run: PageRun): void {
  assert.deepEqual(run.offOrigin, [], 'requests that left the page origin');
  assert.deepEqual(run.errors, [], 'console errors');
  const { dims, similar, unrelated } = run.result;
  assert.equal(dims, 512);
  for (const other of unrelated) {
    assert.ok(similar - other >= MARGIN, `cos(cat, kitten) ${similar.toFixed(3)} should beat ${other.toFixed(3)} by ${MARGIN}`);
  }
  assert.equal(run.result.crossOriginIsolated, true, 'the page is cross-origin isolated');
  assert.match(run.ort['ort-wasm-simd-threaded.asyncify.mjs'] ?? '', /^200 text\/javascript/);
  assert.match(run.ort['ort-wasm-simd-threaded.asyncify.wasm'] ?? '', /^200 application\/wasm/);
  for (const file of USE_LITE_FILES) {
    assert.match(run.model[file] ?? '', file.endsWith('.json') ? /^200 application\/json/ : /^200 application\/octet-stream/, `/models/use-lite/${file}`);
  }
}

/**
 * The app has no model files of its own (no public/ folder): use-lite comes from the installed
 * @taskweave/model-use-lite through the plugin, and the build holds its files, byte for byte,
 * under models/use-lite/ (where the pool's default modelBaseUrl finds them).
 */
function assertModelFromPackage(app: string, dist: string): void {
  assert.equal(existsSync(join(app, 'public')), false, `${app} has a public/ folder`);
  const installed = join(app, 'node_modules', '@taskweave', 'model-use-lite', 'models', 'use-lite');
  assert.deepEqual(filesUnder(dist).filter((file) => file.startsWith('models/')), USE_LITE_FILES.map((file) => `models/use-lite/${file}`));
  for (const file of USE_LITE_FILES) {
    assert.ok(readFileSync(join(dist, 'models', 'use-lite', file)).equals(readFileSync(join(installed, file))), `models/use-lite/${file} differs from the package's`);
  }
}

/**
 * One transformers.js and one onnxruntime-web installed, shared by the app and taskweave (a peer
 * dependency, and the ORT version transformers.js pins), and the page ran that transformers.js.
 * The build's code holding transformers.js holds that version: at most once per bundle (page, worker).
 */
function assertOneRuntime(app: string, dist: string, run: PageRun, bundles: number): void {
  const transformers = installedCopies(app, '@huggingface/transformers');
  assert.equal(transformers.length, 1, `transformers.js copies installed: ${transformers.join(', ')}`);
  assert.equal(installedCopies(app, 'onnxruntime-web').length, 1, `onnxruntime-web copies installed: ${installedCopies(app, 'onnxruntime-web').join(', ')}`);
  assert.equal(run.result.transformers, transformers[0], "the page's transformers.js is the installed one");
  const holding = filesUnder(dist).filter((file) => /\.m?js$/.test(file) && readFileSync(join(dist, file), 'utf8').includes('{model}/resolve/{revision}/'));
  assert.ok(holding.length >= 1 && holding.length <= bundles, `transformers.js is in ${holding.length} built files (${holding.join(', ')}), at most one per bundle (${bundles})`);
  // Its version as a string literal (a minifier may turn "4.3.2" into `4.3.2`).
  const version = new RegExp(`["'\`]${(transformers[0] ?? '').replaceAll('.', '\\.')}["'\`]`);
  for (const file of holding) assert.match(readFileSync(join(dist, file), 'utf8'), version, `${file} holds another transformers.js than ${transformers[0]}`);
}

/** The build holds onnxruntime-web's wasm once, under ort/ where the pool loads it (no copy ORT's bundle build would add). */
function assertOneWasm(dist: string): void {
  assert.deepEqual(
    filesUnder(dist).filter((file) => file.endsWith('.wasm')),
    ['ort/ort-wasm-simd-threaded.asyncify.wasm'],
  );
}

for (const name of ['core', 'webWorker', 'react', 'devtools', 'server', 'modelUseLite'] as const) {
  test(`publint --strict passes for the ${name} tarball`, async () => {
    await tool('publint', ['run', '--strict', (await packs)[name]]);
  });
}
// Not the model package: it has no code, so no entry points and no types to check.
for (const name of ['core', 'webWorker', 'react', 'devtools', 'server'] as const) {
  test(`arethetypeswrong (esm-only) passes for the ${name} tarball`, async () => {
    await tool('attw', [(await packs)[name], '--profile', 'esm-only']);
  });
}

const entries = (tgz: string): string[] => execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));

test('each tarball ships its built code, README and LICENSE only (no sources, tests, fixtures or benchmarks)', async () => {
  const { core, webWorker, react, devtools, server } = await packs;
  const top = (tgz: string): string[] => [...new Set(entries(tgz).map((file) => file.split('/')[0] ?? file))].sort();
  assert.deepEqual(top(core), ['LICENSE', 'README.md', 'dist', 'package.json']);
  assert.deepEqual(top(webWorker), ['LICENSE', 'README.md', 'dist', 'modelPackages.js', 'ort.js', 'package.json', 'vite.js', 'vite.types.d.ts', 'webpack.js', 'webpack.types.d.ts']);
  assert.deepEqual(top(react), ['LICENSE', 'README.md', 'dist', 'package.json']);
  assert.deepEqual(top(devtools), ['LICENSE', 'README.md', 'dist', 'package.json']);
  assert.deepEqual(top(server), ['LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
  for (const tgz of [core, webWorker, react, devtools, server]) {
    const shipped = entries(tgz);
    assert.deepEqual(shipped.filter((file) => /(\.test\.|__tests__|fixtures|bench)/.test(file)), [], `${tgz} holds tests or benchmarks`);
    assert.deepEqual(shipped.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')), [], `${tgz} holds TypeScript sources`);
  }
});

test("the model tarball ships use-lite's files, its NOTICE and LICENSE (Apache-2.0) and README, nothing else", async () => {
  const { modelUseLite } = await packs;
  assert.deepEqual(entries(modelUseLite).sort(), ['LICENSE', 'NOTICE', 'README.md', ...USE_LITE_FILES.map((file) => `models/use-lite/${file}`), 'package.json'].sort());
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', modelUseLite, 'package/package.json'], { encoding: 'utf8' })) as { name: string; license: string; taskweave: unknown };
  assert.equal(manifest.name, '@taskweave/model-use-lite');
  assert.equal(manifest.license, 'Apache-2.0');
  assert.deepEqual(manifest.taskweave, { models: 'models' });
});

test('the built pool names its default worker in the literal form bundlers follow, and the file is there', async () => {
  const pkg = join(await viteApp, 'node_modules', '@taskweave', 'web-worker');
  const source = readFileSync(join(pkg, 'dist', 'main', 'pool', 'poolOptions.js'), 'utf8');
  const match = /new Worker\(new URL\('(\.{1,2}\/[^']+\.js)', import\.meta\.url\), \{ type: 'module' \}\)/.exec(source);
  assert.ok(match?.[1] !== undefined, 'dist/main/pool/poolOptions.js has no new Worker(new URL(…, import.meta.url), { type: "module" })');
  assert.ok(existsSync(join(pkg, 'dist', 'main', 'pool', match[1])), `${match[1]} is not beside dist/main/pool/`);
});

test("the plugins' check of one onnxruntime-web: quiet in the installed app, a warning naming both versions when the app's transformers.js pins another", async () => {
  const dir = await viteApp;
  const pkg = realpathSync(join(dir, 'node_modules', '@taskweave', 'web-worker'));
  const { secondOrtCopy } = (await import(pathToFileURL(join(pkg, 'ort.js')).href)) as { secondOrtCopy(from?: string): string | undefined };
  assert.equal(secondOrtCopy(pkg), undefined);
  // A layout where transformers.js brings an onnxruntime-web of its own beside the one taskweave runs on.
  const fake = mkdtempSync(join(work, 'two-orts-'));
  const manifest = (folder: string, name: string, version: string): void => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
    writeFileSync(join(folder, 'index.js'), '');
  };
  manifest(fake, 'app', '1.0.0');
  manifest(join(fake, 'node_modules', 'onnxruntime-web'), 'onnxruntime-web', '1.31.0');
  manifest(join(fake, 'node_modules', '@huggingface', 'transformers'), '@huggingface/transformers', '9.0.0');
  manifest(join(fake, 'node_modules', '@huggingface', 'transformers', 'node_modules', 'onnxruntime-web'), 'onnxruntime-web', '9.9.9');
  assert.match(secondOrtCopy(fake) ?? '', /resolves onnxruntime-web 9\.9\.9, @taskweave\/web-worker runs on 1\.31\.0/);
});

test("vite app: its sources type-check against the tarballs with strict tsc, taskweave's declarations with skipLibCheck off (and its vite.config.ts)", async () => {
  await viteTypecheck;
});

test('vite app (pnpm install): `vite preview` serves ORT and use-lite (from its package) from the build and embeds under a strict CSP, one transformers.js shared with the app', async () => {
  const dir = await viteApp;
  await viteBuild;
  assertOneWasm(join(dir, 'dist'));
  assertModelFromPackage(dir, join(dir, 'dist'));
  const server = await viteServer(dir, 'preview');
  try {
    const headers = await fetch(server.url).then((response) => response.headers);
    assert.equal(headers.get('content-security-policy'), CSP);
    const run = await runPage(await launch(), server.url);
    assertEmbeds(run);
    assert.equal(run.result.wordCount, 6, "the app's own worker ran its handler");
    // Page, taskweave's worker, the app's own worker (which imports no transformers.js).
    assertOneRuntime(dir, join(dir, 'dist'), run, 2);
  } finally {
    await server.close();
  }
});

test("vite app: the dev server runs it with no config beyond the plugin, and never reloads the page", async () => {
  const server = await viteServer(await viteApp, 'dev');
  try {
    const run = await runPage(await launch(), server.url);
    assertEmbeds(run);
    assert.equal(run.result.wordCount, 6, "the app's own worker ran its handler");
    // A dependency first met in a worker makes Vite re-optimize and reload the page mid-run.
    assert.doesNotMatch(server.output(), /reloading/);
    // The plugin serves files inside a model folder only ('%2f' keeps the URL parser from folding the '..').
    const escape = await fetch(new URL('models/use-lite/%2e%2e%2f%2e%2e%2fpackage.json', server.url));
    assert.doesNotMatch(await escape.text(), /"@taskweave\/model-use-lite"/, 'a path out of the model folder answered the package.json');
  } finally {
    await server.close();
  }
});

/** What the React app wrote: an embedding, stored notes, the search's hits and the task list, through the hooks. */
/** `devtools`: how many devtools launchers the page holds (the dev server 1; a production build's no-op 0). */
function assertReactApp(run: PageRun, devtools: number): void {
  assert.deepEqual(run.offOrigin, [], 'requests that left the page origin');
  assert.deepEqual(run.errors, [], 'console errors');
  assert.deepEqual(run.result, {
    dims: 512,
    stored: ['milk', 'report', 'garden'],
    hits: ['milk'],
    tasks: [
      ['DataStorage', 'Completed'],
      ['EmbeddingGeneration', 'Completed'],
      ['VectorSearch', 'Completed'],
    ],
    completed: 3,
    workers: 1,
    crossOriginIsolated: true,
    devtools,
  });
}

test('react app: its sources type-check against the tarballs with strict tsc, @taskweave/react\'s declarations with skipLibCheck off (and its vite.config.ts)', async () => {
  await reactTypecheck;
});

test('react app (pnpm install): `vite preview` of its build embeds, stores, searches and lists its tasks with the hooks', async () => {
  const dir = await reactApp;
  await reactBuild;
  assertOneWasm(join(dir, 'dist'));
  // The production build has @taskweave/devtools' no-op: no launcher, no panel code, no panel chunk.
  const built = readdirSync(join(dir, 'dist', 'assets')).filter((file) => file.endsWith('.js'));
  for (const file of built) assert.doesNotMatch(readFileSync(join(dir, 'dist', 'assets', file), 'utf8'), /taskweave devtools/, `${file} holds the devtools panel`);
  const server = await viteServer(dir, 'preview');
  try {
    assertReactApp(await runPage(await launch(), server.url), 0);
  } finally {
    await server.close();
  }
});

test('react app: on the dev server (StrictMode mounting twice) it starts one pool and each task once, and never reloads the page', async () => {
  const server = await viteServer(await reactApp, 'dev');
  try {
    assertReactApp(await runPage(await launch(), server.url), 1);
    assert.doesNotMatch(server.output(), /reloading/);
  } finally {
    await server.close();
  }
});

test('webpack 5 app (npm install, scripts on): the build emits the default worker, ORT under ort/ and use-lite from its package under models/, and embeds', async () => {
  const dir = await webpackApp;
  await webpackBuild;
  const dist = join(dir, 'dist');
  assertOneWasm(dist);
  assertModelFromPackage(dir, dist);
  const { crossOriginIsolationHeaders } = (await import(pathToFileURL(join(dir, 'node_modules/@taskweave/web-worker/webpack.js')).href)) as {
    crossOriginIsolationHeaders: Record<string, string>;
  };
  const server = await serveStatic(dist, crossOriginIsolationHeaders);
  try {
    const run = await runPage(await launch(), server.url);
    assertEmbeds(run);
    assertOneRuntime(dir, dist, run, 2);
  } finally {
    await server.close();
  }
});

for (const [manager, app] of [['npm', npmServerApp], ['pnpm', pnpmServerApp]] as const) {
  test(`server tarball in a fresh Node app (${manager} install): taskweave-server and taskweave-worker from node_modules/.bin embed through the HTTP API`, async () => {
    const dir = await app;
    const help = await run(join(dir, 'node_modules/.bin/taskweave-server'), ['--help'], dir);
    assert.match(help, /--redis VALUE/);
    const redisDir = mkdtempSync(join(tmpdir(), 'tw-consumer-redis-'));
    const redisPort = String(20_000 + Math.floor(Math.random() * 20_000));
    const redis = await startProgram(redisServerPath(), ['--port', redisPort, '--bind', '127.0.0.1', '--save', '', '--dir', redisDir], dir, /Ready to accept connections/);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const secret = 'consumer-secret-0123456789';
    const api = await startProgram(join(dir, 'node_modules/.bin/taskweave-server'), ['--redis', redisUrl, '--secret', secret, '--port', '0'], dir, /listening on (http:\/\/\S+)/);
    // use-lite from the installed model package, as the README's deploy section runs it.
    const worker = await startProgram(join(dir, 'node_modules/.bin/taskweave-worker'), ['--redis', redisUrl, '--models', 'node_modules/@taskweave/model-use-lite/models', '--threads', '1'], dir, /taskweave-worker ready/);
    try {
      const out = JSON.parse((await run(process.execPath, ['embed.mjs', api.match[1] as string, secret], dir)).trim().split('\n').pop() ?? '{}') as {
        status: string;
        dims: number;
        similar: number;
        unrelated: number[];
      };
      assert.equal(out.status, 'Completed');
      assert.equal(out.dims, 512);
      for (const other of out.unrelated) assert.ok(out.similar - other >= MARGIN, `cos(cat, kitten) ${out.similar.toFixed(3)} should beat ${other.toFixed(3)} by ${MARGIN}`);
    } finally {
      await worker.stop();
      await api.stop();
      await redis.stop();
      rmSync(redisDir, { recursive: true, force: true });
    }
  });
}
