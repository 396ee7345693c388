#!/usr/bin/env node
// The first step of `pnpm test`: finds Chromium and redis-server (systemPrograms.mjs says where
// it looks). Where one is missing and this process can install system packages (root, apt-get on
// the PATH), it installs it with apt-get, saying so in one line; where it cannot, it exits 1 at
// once with one message naming each missing program and the command that installs it. With both
// present it prints nothing.
import { spawnSync } from 'node:child_process';
import { locate, missingMessage, onPath, programs } from './systemPrograms.mjs';

function findMissing(env) {
  const missing = [];
  for (const program of Object.values(programs)) {
    const found = locate(program, env);
    if (found.path === undefined) missing.push({ program, where: found.missing });
  }
  return missing;
}

function aptInstall(aptGet, packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...packages]]) {
    // apt's own chatter is shown only when it fails.
    const run = spawnSync(aptGet, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (run.status !== 0) {
      process.stderr.write(`${run.stdout}${run.stderr}preflight: apt-get ${args[0]} failed (exit ${run.status})\n`);
      return false;
    }
  }
  return true;
}

const env = process.env;
let missing = findMissing(env);
if (missing.length > 0) {
  const aptGet = onPath('apt-get', env);
  // A variable that names a missing file is the caller's mistake: installing would not fix it.
  const installable = missing.every(({ program }) => !env[program.variable]);
  if (process.getuid?.() === 0 && aptGet !== undefined && installable) {
    const packages = missing.map(({ program }) => program.aptPackage);
    console.log(`preflight: installing ${packages.join(' ')} with apt-get (about a minute)`);
    if (aptInstall(aptGet, packages)) missing = findMissing(env);
  }
}
if (missing.length > 0) {
  console.error(missingMessage(missing));
  process.exit(1);
}
