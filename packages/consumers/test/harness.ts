/**
 * What the consumer tests do, step by step: pack the libraries, make an app from a template in a
 * folder outside the repository (so nothing resolves from the workspace), install the tarballs
 * into it, run its tools, serve it, and embed in Chromium.
 */
import { spawn } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright';

export const CONSUMERS_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO = resolve(CONSUMERS_DIR, '../..');
const BIN = join(CONSUMERS_DIR, 'node_modules', '.bin');

/** The environment an app's own commands get: none of the workspace's pnpm variables (NODE_PATH above all). */
function appEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_PATH' || key === 'NODE_OPTIONS' || key.startsWith('npm_') || key.startsWith('PNPM_')) continue;
    env[key] = value;
  }
  return env;
}

/** Runs a command; resolves with its output, rejects with the output's end when it fails. */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = appEnv()): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** A workspace tool (publint, attw) from this package's node_modules/.bin. */
export function tool(name: string, args: readonly string[]): Promise<string> {
  return run(join(BIN, name), args, CONSUMERS_DIR, process.env);
}

export interface Packs {
  core: string;
  webWorker: string;
  react: string;
  devtools: string;
  server: string;
  /** @taskweave/model-use-lite: data only (no build). */
  modelUseLite: string;
}

/** `pnpm pack` of the libraries (their `prepack` builds dist/) and of the model package, into `dir`. */
export async function packLibraries(dir: string): Promise<Packs> {
  mkdirSync(dir, { recursive: true });
  const pack = async (name: string): Promise<string> => {
    const output = await run('pnpm', ['pack', '--pack-destination', dir], join(REPO, 'packages', name), process.env);
    const tarball = output.trim().split('\n').pop()?.trim() ?? '';
    if (!tarball.endsWith('.tgz') || !existsSync(tarball)) throw new Error(`pnpm pack of ${name} printed no tarball:\n${output}`);
    return tarball;
  };
  const [core, webWorker, react, devtools, server, modelUseLite] = await Promise.all([
    pack('core'),
    pack('web-worker'),
    pack('react'),
    pack('devtools'),
    pack('server'),
    pack('model-use-lite'),
  ]);
  return { core, webWorker, react, devtools, server, modelUseLite };
}

/**
 * Copies the app template `apps/<name>` to `dir`, points its @taskweave dependencies at the
 * tarballs (and the packages' own dependencies on each other, by overrides; the
 * model from the @taskweave/model-use-lite tarball, which the app's bundler plugin serves), and
 * installs it as a project of its own with `manager`: pnpm, or npm with install scripts on (as a
 * user's `npm install` runs them; the template's .npmrc is the README's documented line).
 */
export async function installApp(name: string, dir: string, packs: Packs, manager: 'npm' | 'pnpm'): Promise<string> {
  const template = join(CONSUMERS_DIR, 'apps', name);
  cpSync(template, dir, { recursive: true, filter: (src) => !relative(template, src).split(sep).includes('node_modules') });
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { dependencies: Record<string, string> };
  manifest.dependencies['@taskweave/core'] = `file:${packs.core}`;
  manifest.dependencies['@taskweave/web-worker'] = `file:${packs.webWorker}`;
  manifest.dependencies['@taskweave/model-use-lite'] = `file:${packs.modelUseLite}`;
  // The React app: @taskweave/react's own dependencies on core and web-worker resolve to the same tarballs.
  const react = manifest.dependencies['@taskweave/react'] !== undefined;
  if (react) manifest.dependencies['@taskweave/react'] = `file:${packs.react}`;
  if (manifest.dependencies['@taskweave/devtools'] !== undefined) manifest.dependencies['@taskweave/devtools'] = `file:${packs.devtools}`;
  if (manager === 'npm') manifest['overrides'] = { '@taskweave/core': '$@taskweave/core', ...(react ? { '@taskweave/web-worker': '$@taskweave/web-worker' } : {}) };
  else manifest['pnpm'] = { overrides: { '@taskweave/core': `file:${packs.core}`, ...(react ? { '@taskweave/web-worker': `file:${packs.webWorker}` } : {}) } };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  // The workspace's store (and npm's cache) has every package these apps use: resolve from it,
  // ask the registry only for what it lacks.
  if (manager === 'npm') await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  else await run('pnpm', ['install', '--ignore-workspace', '--prefer-offline', '--no-frozen-lockfile', '--reporter=append-only'], dir);
  return dir;
}

/**
 * The versions of package `name` installed under `dir`'s node_modules, one per copy on disk (npm's
 * nested folders and pnpm's `.pnpm` store both walked; links followed once).
 * @example installedCopies(app, 'onnxruntime-web') // ['1.31.0-dev.20260914-8d85527a0']
 */
export function installedCopies(dir: string, name: string): string[] {
  const seen = new Set<string>();
  const versions: string[] = [];
  const visitModules = (modules: string): void => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry === '.bin') continue;
      if (entry === '.pnpm') {
        for (const stored of readdirSync(join(modules, entry))) visitModules(join(modules, entry, stored, 'node_modules'));
        continue;
      }
      const packages = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((scoped) => join(modules, entry, scoped)) : [join(modules, entry)];
      for (const pkg of packages) {
        let real: string;
        try {
          real = realpathSync(pkg);
        } catch {
          continue;
        }
        if (seen.has(real)) continue;
        seen.add(real);
        if (relative(modules, pkg).split(sep).join('/') === name && existsSync(join(real, 'package.json'))) {
          versions.push((JSON.parse(readFileSync(join(real, 'package.json'), 'utf8')) as { version: string }).version);
        }
        visitModules(join(real, 'node_modules'));
      }
    }
  };
  visitModules(join(dir, 'node_modules'));
  return versions.sort();
}

/**
 * Copies `apps/node-server` to `dir`, points it at the core, server and model tarballs (the worker
 * reads use-lite from node_modules/@taskweave/model-use-lite/models), and installs it as a
 * project of its own with `npm`
 * (scripts on, as a user's `npm install` runs them; the app's .npmrc is the documented line) or
 * `pnpm`.
 */
export async function installNodeApp(dir: string, packs: Packs, manager: 'npm' | 'pnpm'): Promise<string> {
  const template = join(CONSUMERS_DIR, 'apps', 'node-server');
  cpSync(template, dir, { recursive: true, filter: (src) => !relative(template, src).split(sep).includes('node_modules') });
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { dependencies: Record<string, string> };
  manifest.dependencies['@taskweave/core'] = `file:${packs.core}`;
  manifest.dependencies['@taskweave/server'] = `file:${packs.server}`;
  manifest.dependencies['@taskweave/model-use-lite'] = `file:${packs.modelUseLite}`;
  // The server's own dependency on core resolves to the same tarball.
  if (manager === 'npm') manifest['overrides'] = { '@taskweave/core': '$@taskweave/core' };
  else manifest['pnpm'] = { overrides: { '@taskweave/core': `file:${packs.core}` } };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  if (manager === 'npm') await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  else await run('pnpm', ['install', '--ignore-workspace', '--prefer-offline', '--no-frozen-lockfile', '--reporter=append-only'], dir);
  return dir;
}

/** A long-running program, started and past the line that says it is ready. */
export interface Started {
  output(): string;
  stop(): Promise<void>;
}

/** Starts `command` and resolves once its output matches `ready` (rejects if it exits first, or after 60 s). */
export async function startProgram(command: string, args: readonly string[], cwd: string, ready: RegExp): Promise<Started & { match: RegExpExecArray }> {
  const child = spawn(command, args, { cwd, env: appEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const match = await new Promise<RegExpExecArray>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = ready.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        resolvePromise(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited ${code} before it was ready:\n${output}`));
    });
  });
  return {
    match,
    output: () => output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs an app's own copy of a tool (`node node_modules/<path>`), as `node node_modules/vite/bin/vite.js` would. */
export function appTool(dir: string, path: string, args: readonly string[]): Promise<string> {
  return run(process.execPath, [join('node_modules', path), ...args], dir);
}

/** Every file under `dir`, relative to it, with '/' separators. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(join(dir, file)).isFile())
    .map((file) => file.split(sep).join('/'))
    .sort();
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * Vite's dev server (`dev`) or `vite preview` of the built app, started the way a user starts it:
 * `node node_modules/vite/bin/vite.js [preview]`. `output()` is what it printed so far.
 */
export async function viteServer(dir: string, command: 'dev' | 'preview'): Promise<{ url: string; output(): string; close(): Promise<void> }> {
  const port = await freePort();
  const args = [...(command === 'preview' ? ['preview'] : []), '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
  const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', ...args], { cwd: dir, env: appEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite ${command} exited ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`vite ${command} did not answer within 30 s:\n${output}`);
    await new Promise((done) => setTimeout(done, 200));
  }
  return {
    url,
    output: () => output,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('close', () => done());
        child.kill('SIGTERM');
      }),
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** A static host for `dir` with `headers` on every response (as a CDN or nginx would be set up). */
export async function serveStatic(dir: string, headers: Readonly<Record<string, string>>): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    for (const [key, value] of Object.entries(headers)) res.setHeader(key, value);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = resolve(root, `.${path}`);
    if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/** The files of @taskweave/model-use-lite's `models/use-lite/`, as an app serves them under /models/use-lite/. */
export const USE_LITE_FILES = ['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json'] as const;

export interface PageRun {
  /** What the app's page wrote into #result (the React app writes its own fields). */
  result: { dims: number; similar: number; unrelated: number[]; crossOriginIsolated: boolean; wordCount?: number; transformers?: string } & Record<string, unknown>;
  /** Requests of the page or its workers that left its origin (each one was blocked). */
  offOrigin: string[];
  /** Console errors and uncaught errors. */
  errors: string[];
  /** Status and content type of each ORT file, fetched from the page. */
  ort: Record<string, string>;
  /** Status and content type of each use-lite file under /models/use-lite/, fetched from the page. */
  model: Record<string, string>;
}

/**
 * Opens `url` in a fresh context, blocking (and recording) every request that leaves its origin,
 * and waits for the app to write its result.
 */
export async function runPage(browser: Browser, url: string): Promise<PageRun> {
  const origin = new URL(url).origin;
  const context = await browser.newContext();
  const offOrigin: string[] = [];
  const errors: string[] = [];
  const ours = (request: string): boolean => {
    if (request.startsWith('data:') || request.startsWith('blob:')) return true;
    try {
      return new URL(request).origin === origin;
    } catch {
      return false;
    }
  };
  try {
    await context.route('**/*', (route) => {
      const request = route.request().url();
      if (ours(request)) return route.fallback();
      offOrigin.push(request);
      return route.abort('blockedbyclient');
    });
    // Workers' requests too (the route may not see every one of them).
    context.on('request', (request) => {
      if (!ours(request.url()) && !offOrigin.includes(request.url())) offOrigin.push(request.url());
    });
    context.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
    });
    context.on('weberror', (error) => errors.push(`uncaught: ${error.error().message}`));
    const page = await context.newPage();
    await page.goto(url);
    const out = page.locator('#result');
    await page.locator('#result:not([data-state="running"])').waitFor({ timeout: 120_000 });
    const text = (await out.textContent()) ?? '';
    if ((await out.getAttribute('data-state')) !== 'done') throw new Error(`the app failed:\n${text}\n${errors.join('\n')}`);
    const heads = (base: string, files: readonly string[]): Promise<Record<string, string>> =>
      page.evaluate(
        async ([base, files]) => {
          const seen: Record<string, string> = {};
          for (const file of files) {
            const response = await fetch(`${base}${file}`, { method: 'HEAD' });
            seen[file] = `${response.status} ${response.headers.get('content-type') ?? ''}`;
          }
          return seen;
        },
        [base, files] as const,
      );
    const ort = await heads('/ort/', ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']);
    const model = await heads('/models/use-lite/', USE_LITE_FILES);
    return { result: JSON.parse(text) as PageRun['result'], offOrigin, errors, ort, model };
  } finally {
    await context.close();
  }
}
