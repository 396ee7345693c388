// One place for how this project launches Chromium (tests, benchmarks): Debian's browser unless
// CHROMIUM_PATH says otherwise (Playwright cannot download its own here), and the flags that keep
// it from reaching out to the network (see ../shared/ENV.md).
import { locate, programs } from './systemPrograms.mjs';

/**
 * `$CHROMIUM_PATH`, else `/usr/bin/chromium`, else `chromium` on the PATH (systemPrograms.mjs),
 * else undefined (Playwright's own browser, where one was installed).
 */
export const chromiumExecutablePath = locate(programs.chromium).path ?? (process.env.CHROMIUM_PATH || undefined);

/** Launch flags; `--no-sandbox` only as root, where Chromium refuses to start without it. */
export const chromiumArgs = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
];

/** Launch options for Playwright's `chromium.launch` (add flags such as `--enable-unsafe-webgpu`). */
export function chromiumLaunchOptions(extraArgs = []) {
  return {
    ...(chromiumExecutablePath === undefined ? {} : { executablePath: chromiumExecutablePath }),
    args: [...chromiumArgs, ...extraArgs],
  };
}
