// One place for how this project launches Chromium (tests, benchmarks): Debian's browser unless
// CHROMIUM_PATH says otherwise (Playwright cannot download its own here), and the flags that keep
// it from reaching out to the network (see ../shared/ENV.md).
import { existsSync } from 'node:fs';

/** `$CHROMIUM_PATH`, else `/usr/bin/chromium` when present, else undefined (Playwright's own browser). */
export const chromiumExecutablePath =
  process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

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
