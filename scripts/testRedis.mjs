/**
 * A redis-server of a test run's own: 127.0.0.1, a free port, AOF on, in a temp folder; and a
 * one-shot command over node:net for what tests ask of it besides their clients (PING while it
 * starts, a counter a handler bumps). Here, beside systemPrograms.mjs, because two packages start
 * one: the server's tests and benchmark, and web-worker's placement tests and remote-embed bench.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisServerPath } from './systemPrograms.mjs';

/**
 * A TCP port on 127.0.0.1 that nothing listened on a moment ago.
 * @example const port = await freePort()
 * @returns {Promise<number>}
 */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/**
 * Sends one command on a connection of its own and answers the reply: a status or bulk string, an
 * integer, or null (a nil bulk). An error reply rejects. Enough for PING, INCR, SET and GET.
 * @example await redisCommand('redis://127.0.0.1:6379', 'INCR', 'runs') // 1
 * @param {string} url `redis://host:port`
 * @param {...string} args
 * @returns {Promise<string | number | null>}
 */
export function redisCommand(url, ...args) {
  const { hostname, port } = new URL(url);
  const request = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port || 6379), hostname || '127.0.0.1');
    let data = Buffer.alloc(0);
    const done = (/** @type {() => void} */ settle) => {
      socket.destroy();
      settle();
    };
    socket.once('error', (error) => done(() => reject(error)));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const eol = data.indexOf('\r\n');
      if (eol < 0) return;
      const line = data.subarray(1, eol).toString();
      switch (String.fromCharCode(/** @type {number} */ (data[0]))) {
        case '+':
          return done(() => resolve(line));
        case ':':
          return done(() => resolve(Number(line)));
        case '-':
          return done(() => reject(new Error(`redis: ${line}`)));
        case '$': {
          const length = Number(line);
          if (length < 0) return done(() => resolve(null));
          // The whole bulk string and its CRLF, else wait for more.
          if (data.length < eol + 2 + length + 2) return;
          return done(() => resolve(data.subarray(eol + 2, eol + 2 + length).toString()));
        }
        default:
          return done(() => reject(new Error(`redis: a reply this helper does not read: ${line}`)));
      }
    });
  });
}

/** @param {number} port */
async function waitUp(port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await redisCommand(`redis://127.0.0.1:${port}`, 'PING')) === 'PONG') return;
    } catch {
      // Refused while redis-server starts.
    }
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * @typedef {object} TestRedis
 * @property {string} url `redis://127.0.0.1:<port>`
 * @property {number} port
 * @property {number | undefined} pid The redis-server process id (it changes on `restart`).
 * @property {(downMs?: number) => Promise<void>} restart Stops it gracefully (SIGTERM: the AOF is
 *   flushed), waits `downMs` (default 500) and starts it again on the same files.
 * @property {() => Promise<void>} stop Stops it and removes its folder.
 */

/**
 * Starts a redis-server of the caller's own; throws the preflight's message (what is missing, the
 * command that installs it) when there is none.
 * @example const redis = await startRedis(); try { … redis.url … } finally { await redis.stop() }
 * @returns {Promise<TestRedis>}
 */
export async function startRedis() {
  const program = redisServerPath();
  const dir = mkdtempSync(join(tmpdir(), 'tw-redis-'));
  const port = await freePort();
  /** @type {import('node:child_process').ChildProcess} */
  let proc;
  const start = async () => {
    proc = spawn(program, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: 'ignore' });
    await waitUp(port);
  };
  /** @returns {Promise<void>} */
  const stopProc = () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return proc.pid;
    },
    async restart(downMs = 500) {
      await stopProc();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await stopProc();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
