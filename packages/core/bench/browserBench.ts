/**
 * What every in-browser benchmark of the core needs: bench/*.html served by Vite, a headless
 * Chromium (CHROMIUM_PATH, default /usr/bin/chromium) with a persistent profile in a temporary
 * directory, so IndexedDB lives on disk as in a user's browser (an incognito context keeps it in
 * memory, where no transaction ever waits for the disk), and the page open once its hook is there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright';
import { createServer } from 'vite';
import { chromiumArgs, chromiumExecutablePath } from '../../../scripts/chromium.mjs';

/** An open benchmark page and how to shut everything down. */
export interface BrowserBench {
  page: Page;
  /** The profile directory (for the printed summary). */
  profile: string;
  close(): Promise<void>;
}

/**
 * Serves the core package, opens `bench/<html>` and waits until `window[hook]` is a function.
 * `extraArgs` are added to the launch flags (e.g. `--js-flags=--expose-gc`).
 */
export async function openBenchPage(html: string, hook: string, extraArgs: string[] = []): Promise<BrowserBench> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1' },
    optimizeDeps: { include: ['idb', 'zod'] },
  });
  await server.listen();
  const profile = mkdtempSync(join(tmpdir(), 'taskweave-bench-'));
  const browser = await chromium.launchPersistentContext(profile, {
    ...(chromiumExecutablePath === undefined ? {} : { executablePath: chromiumExecutablePath }),
    args: [...chromiumArgs, ...extraArgs],
    headless: true,
  });
  const close = async () => {
    await browser.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(new URL(`bench/${html}`, server.resolvedUrls?.local[0] ?? '').href);
    await page.waitForFunction((name) => typeof (window as unknown as Record<string, unknown>)[name] === 'function', hook, { timeout: 60_000 });
    return { page, profile, close };
  } catch (error) {
    await close();
    throw error;
  }
}
