/**
 * Node side of the placement tests (browser commands, see vitest.config.ts): drives the fleet
 * process (`fleetProcess.ts`: redis-server, `@taskweave/server`, two `taskweave-worker`s), started
 * by the first test that asks (`remoteFleet`) and stopped by the global teardown
 * (`remoteFleetTeardown.ts`), so other test files pay nothing. The route audit lets the page
 * reach that server's origin, and only it, and records what the page sent there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BrowserCommand } from 'vitest/node';

const SCRIPT = fileURLToPath(new URL('./fleetProcess.ts', import.meta.url));

interface Fleet {
  proc: ChildProcess;
  call(op: string, extra?: Record<string, unknown>): Promise<any>;
}

// On globalThis: the config and the global teardown may load this module twice.
const KEY = Symbol.for('taskweave.placementFleet');
const shared = globalThis as { [KEY]?: { fleet?: Promise<Fleet>; origins: Set<string>; requests: string[] } };
const state = (shared[KEY] ??= { origins: new Set(), requests: [] });

/** Origins the route audit lets through (the test server's, once started). */
export const allowedOrigins = state.origins;

/** Called by the route audit for each request it lets through to the test server. */
export function recordRequest(method: string, url: string, body: string | null): void {
  let id = '';
  try {
    id = body === null ? '' : String((JSON.parse(body) as { id?: string }).id ?? '');
  } catch {
    // not JSON
  }
  state.requests.push(`${method} ${new URL(url).pathname} ${id}`.trim());
}

function start(origin: string): Promise<Fleet> {
  const proc = spawn(process.execPath, ['--conditions=@taskweave/source', '--import', 'tsx', SCRIPT, origin], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let seq = 0;
  return new Promise<Fleet>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`placement fleet exited ${code}`)));
    proc.on('message', (m: { ready?: boolean; seq?: number; value?: unknown; error?: string }) => {
      if (m.ready) {
        resolve({
          proc,
          call: (op, extra = {}) =>
            new Promise((res, rej) => {
              waiting.set(++seq, { resolve: res, reject: rej });
              proc.send({ seq, op, ...extra });
            }),
        });
        return;
      }
      const w = waiting.get(m.seq as number);
      waiting.delete(m.seq as number);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.value);
    });
  });
}

function fleet(origin: string): Promise<Fleet> {
  return (state.fleet ??= start(origin));
}

/** Starts the fleet once; answers the server's URL and a token for the page. */
export const remoteFleet: BrowserCommand<[]> = async (ctx) => {
  const info = (await (await fleet(new URL(ctx.page.url()).origin)).call('info')) as { url: string; token: string };
  allowedOrigins.add(new URL(info.url).origin);
  return info;
};

/** Stops the HTTP API (Redis and the workers go on), or starts it again on the same port. */
export const remoteServer: BrowserCommand<[action: 'stop' | 'start']> = async (ctx, action) => {
  await (await fleet(new URL(ctx.page.url()).origin)).call(action === 'stop' ? 'stop-server' : 'start-server');
};

/** How many times the server's workers ran each task (`test:runs:<id>`, counted by the handlers). */
export const remoteRuns: BrowserCommand<[ids: string[]]> = async (ctx, ids) => (await fleet(new URL(ctx.page.url()).origin)).call('runs', { ids });

/** What the page sent to the server so far (`POST /v1/tasks <id>`, `GET /v1/tasks/<id>/wait`). */
export const remoteRequests: BrowserCommand<[]> = () => [...state.requests];

/** Stops everything (global teardown). */
export async function stopRemoteFleet(): Promise<void> {
  const pending = state.fleet;
  if (pending === undefined) return;
  delete state.fleet;
  const f = await pending;
  await f.call('shutdown').catch(() => undefined);
  if (f.proc.exitCode === null) await new Promise((r) => f.proc.once('exit', r));
}
