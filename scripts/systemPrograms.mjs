// Where the system programs the tests need are found: Chromium (browser tests, e2e, benchmarks)
// and redis-server (the server's tests and the remote placement tests). One place for the search
// order, used by the preflight of `pnpm test`, by the Chromium launch options and by the Redis
// fixtures, so a missing program is reported the same way everywhere.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Whether `file` is a regular file this process may execute. */
export function isExecutable(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on `env.PATH` that is executable, or undefined. */
export function onPath(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/**
 * Each program: the variable that names it, the fixed places looked at next, the name looked up
 * on the PATH, and the Debian package that installs it.
 */
export const programs = {
  chromium: { label: 'Chromium', variable: 'CHROMIUM_PATH', fixed: ['/usr/bin/chromium'], command: 'chromium', aptPackage: 'chromium' },
  redis: { label: 'redis-server', variable: 'REDIS_SERVER', fixed: [], command: 'redis-server', aptPackage: 'redis-server' },
};

/**
 * Looks for one program: `$VARIABLE` when set (and then only there: a variable that names
 * nothing is a mistake to report, not a reason to use another program), else the fixed places,
 * else the PATH. Returns `{ path }` or `{ missing }` (where it looked, in words).
 */
export function locate(program, env = process.env) {
  const given = env[program.variable];
  if (given !== undefined && given !== '') {
    return isExecutable(given) ? { path: given } : { missing: `$${program.variable}=${given} is not an executable file` };
  }
  for (const file of program.fixed) if (isExecutable(file)) return { path: file };
  const found = onPath(program.command, env);
  if (found !== undefined) return { path: found };
  const places = [`$${program.variable}`, ...program.fixed, `${program.command} on the PATH`];
  return { missing: `looked at ${places.join(', ')}` };
}

/** The command that installs the given programs on Debian or Ubuntu. */
export function installCommand(list, asRoot = process.getuid?.() === 0) {
  const sudo = asRoot ? '' : 'sudo ';
  const packages = list.map((p) => p.aptPackage).join(' ');
  return `${sudo}apt-get update && ${sudo}apt-get install -y ${packages}`;
}

/** The one message for programs that are missing: what, where it looked, and how to install them. */
export function missingMessage(missing) {
  const lines = missing.map(({ program, where }) => `  - ${program.label} (${where})`);
  return [
    `taskweave's tests need ${missing.length === 1 ? 'a program' : 'programs'} this machine lacks:`,
    ...lines,
    `Install ${missing.length === 1 ? 'it' : 'them'} with: ${installCommand(missing.map((m) => m.program))}`,
    `or point ${missing.map((m) => `$${m.program.variable}`).join(' / ')} at ${missing.length === 1 ? 'it' : 'them'}.`,
  ].join('\n');
}

/** The path of redis-server, or an Error whose message says how to install it. */
export function redisServerPath(env = process.env) {
  const found = locate(programs.redis, env);
  if (found.path !== undefined) return found.path;
  throw new Error(missingMessage([{ program: programs.redis, where: found.missing }]));
}
