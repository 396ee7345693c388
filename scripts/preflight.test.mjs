// The preflight of `pnpm test` (preflight.mjs): a machine without Chromium or redis-server learns
// it in one message before anything else runs, and one with both hears nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locate, programs, redisServerPath } from './systemPrograms.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const testScript = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.test;

let dir;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw-preflight-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function executable(name, body = '#!/bin/sh\nexit 0\n') {
  const file = join(dir, name);
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

describe('pnpm test on a machine without Chromium and redis-server', () => {
  it('exits non-zero before the type-check or any runner starts, naming both and the install command', () => {
    // A PATH holding only node and a pnpm that records being called: no apt-get, no chromium, no
    // redis-server; the variables name files that are not there.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const ran = join(dir, 'ran.log');
    for (const tool of ['pnpm', 'tsc', 'vitest', 'playwright']) {
      writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> ${ran}\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    const run = spawnSync('/bin/sh', ['-c', testScript], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: bin, HOME: dir, CHROMIUM_PATH: join(dir, 'no-chromium'), REDIS_SERVER: join(dir, 'no-redis-server') },
    });
    expect(run.status).not.toBe(0);
    expect(existsSync(ran) ? readFileSync(ran, 'utf8') : '').toBe('');
    expect(run.stderr).toContain('Chromium');
    expect(run.stderr).toContain('redis-server');
    expect(run.stderr).toContain('apt-get install -y chromium redis-server');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('prints nothing and exits 0 when both are there', () => {
    const run = spawnSync(process.execPath, [join(root, 'scripts/preflight.mjs')], {
      encoding: 'utf8',
      env: { PATH: dir, CHROMIUM_PATH: executable('chromium'), REDIS_SERVER: executable('redis-server') },
    });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});

describe('where a program is looked for', () => {
  it('takes the variable, then the PATH, and says where it looked when nothing is there', () => {
    const redis = executable('redis-server');
    expect(locate(programs.redis, { REDIS_SERVER: redis })).toEqual({ path: redis });
    expect(locate(programs.redis, { PATH: `/nonexistent:${dir}` })).toEqual({ path: redis });
    expect(locate(programs.redis, { PATH: '/nonexistent' })).toEqual({ missing: 'looked at $REDIS_SERVER, redis-server on the PATH' });
    expect(locate(programs.redis, { REDIS_SERVER: join(dir, 'nope'), PATH: dir }).missing).toContain('is not an executable file');
    expect(locate({ ...programs.chromium, fixed: [join(dir, 'absent')] }, { PATH: '' }).missing).toBe(
      `looked at $CHROMIUM_PATH, ${join(dir, 'absent')}, chromium on the PATH`,
    );
  });

  it('a test that needs Redis and finds none fails with the same message', () => {
    expect(() => redisServerPath({ PATH: '/nonexistent' })).toThrow(/apt-get install -y redis-server/);
  });
});
