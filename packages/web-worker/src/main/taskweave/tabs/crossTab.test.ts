/**
 * Exactly once across tabs, in real Chromium: separate pages (same-origin iframes) sharing one
 * IndexedDB database, one Web Lock and the BroadcastChannels.
 */
import { TaskStatus, isTerminalStatus, type TaskId } from '@taskweave/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Taskweave } from '../../../index.js';
import { appFrame, collectReports, leaderLock, type AppFrame, type FrameReport } from '../../../__tests__/fixtures/appFrames.js';

let frames: AppFrame[] = [];
let collected: ReturnType<typeof collectReports>;
const unhandled: string[] = [];
const onUnhandled = (e: PromiseRejectionEvent) => unhandled.push(String(e.reason));
beforeEach(() => {
  collected = collectReports();
  unhandled.length = 0;
  window.addEventListener('unhandledrejection', onUnhandled);
});
afterEach(async () => {
  window.removeEventListener('unhandledrejection', onUnhandled);
  collected.stop();
  for (const f of frames) {
    await (f.window() as unknown as { taskweave?: Taskweave } | null)?.taskweave?.close().catch(() => undefined);
    f.frame.remove();
  }
  frames = [];
});

function open(name: string, params: Record<string, string> = {}): AppFrame {
  const f = appFrame(name, params);
  frames.push(f);
  return f;
}

const sleep = (ms: number) => ({ type: 'custom:sleep' as const, input: { kind: 'text' as const, text: String(ms) } });
const echo = (text: string) => ({ type: 'custom:echo' as const, input: { kind: 'text' as const, text } });

/** Status reports a frame made about its own writes and the others' (as its subscribers saw them). */
const statusesIn = (tab: string) => collected.reports.filter((r): r is FrameReport & { taskId: string; status: string } => r.tab === tab && r.status !== undefined);
/** Tasks a page ran: Running reported by the leading page itself. */
const ranIn = (tab: string, id: string) => statusesIn(tab).filter((r) => r.taskId === id && r.status === TaskStatus.Running && r.relayed === false);

describe('cancel from any tab wins before the start', () => {
  it("a follower's submitMany of 100, then cancel(last): true at once, Cancelled, never run", async () => {
    const name = `cancel-${crypto.randomUUID()}`;
    const a = open(name);
    const twA = await a.ready();
    const b = open(name);
    const twB = await b.ready();
    expect([twA.role, twB.role]).toEqual(['leader', 'follower']);
    const ids = await twB.submitMany(Array.from({ length: 100 }, (_, i) => echo(`t${i}`)));
    const last = ids[99]!;
    // A store write in this tab (no round trip to the leader): true before the leader reaches the task.
    expect(await twB.cancel(last)).toBe(true);
    const results = await Promise.all(ids.map((id) => twB.wait(id)));
    expect(results[99]).toMatchObject({ status: TaskStatus.Cancelled, errorCode: 'cancelled' });
    expect(results.slice(0, 99).every((r) => r.status === TaskStatus.Completed)).toBe(true);
    expect((await twA.wait(last)).status).toBe(TaskStatus.Cancelled);
    expect((await twA.get(last))?.status).toBe(TaskStatus.Cancelled);
    await expect.poll(() => ids.slice(0, 99).every((id) => ranIn(a.tabId(), id).length === 1), { timeout: 10_000 }).toBe(true);
    expect(ranIn(a.tabId(), last)).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 60_000);

  it('cancels racing the starts, from both tabs: the answer is the outcome, and a cancel that wins before the start leaves the task unrun', async () => {
    const name = `cancel-race-${crypto.randomUUID()}`;
    const a = open(name);
    const twA = await a.ready();
    const b = open(name);
    const twB = await b.ready();
    const ids = await twB.submitMany(Array.from({ length: 60 }, () => sleep(15)));
    // Cancel every other task, alternating tabs, while the leader is starting them.
    const answers = new Map<TaskId, boolean>();
    for (let i = ids.length - 1; i >= 0; i -= 2) {
      const tw = i % 4 === 1 ? twA : twB;
      answers.set(ids[i]!, await tw.cancel(ids[i]!));
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = new Map((await Promise.all(ids.map((id) => twB.wait(id)))).map((r) => [r.taskId, r]));
    await expect.poll(() => statusesIn(a.tabId()).filter((r) => isTerminalStatus(r.status as TaskStatus)).length, { timeout: 10_000 }).toBe(60);
    let neverRan = 0;
    for (const [id, cancelled] of answers) {
      const ran = ranIn(a.tabId(), id).length;
      // The answer is the truth: true ⇒ Cancelled (before its start, or aborted while running), false ⇒ it ran to the end.
      if (cancelled) expect(results.get(id)?.status, `cancel said true for ${id}`).toBe(TaskStatus.Cancelled);
      else expect([results.get(id)?.status, ran], `cancel said false for ${id}`).toEqual([TaskStatus.Completed, 1]);
      if (cancelled && ran === 0) neverRan++;
    }
    expect(neverRan).toBeGreaterThan(5); // cancels that won before the start: those tasks never ran
    for (const id of ids) expect(ranIn(a.tabId(), id).length).toBeLessThanOrEqual(1);
    // Not cancelled: ran once and completed.
    for (const id of ids.filter((id) => !answers.has(id))) expect([results.get(id)?.status, ranIn(a.tabId(), id).length]).toEqual([TaskStatus.Completed, 1]);
    // Each tab saw each task end once.
    await expect.poll(() => statusesIn(b.tabId()).filter((r) => isTerminalStatus(r.status as TaskStatus)).length, { timeout: 10_000 }).toBe(60);
    for (const tab of [a.tabId(), b.tabId()]) {
      const ends = new Map<string, number>();
      for (const r of statusesIn(tab)) if (isTerminalStatus(r.status as TaskStatus)) ends.set(r.taskId, (ends.get(r.taskId) ?? 0) + 1);
      expect([...ends.values()].every((n) => n === 1)).toBe(true);
    }
    expect(unhandled).toEqual([]);
  }, 60_000);
});

describe('a takeover is all or nothing', () => {
  /** Makes the store of one page unreadable for a scheduler's load (its realm's IndexedDB only). */
  /** Makes the frame's store unreadable (a takeover's load fails); `loads()` counts the reads it refused. */
  function breakLoad(f: AppFrame): { restore: () => void; loads: () => number } {
    const proto = f.window().IDBIndex.prototype;
    const original = proto.getAll;
    let loads = 0;
    proto.getAll = function () {
      loads++;
      throw new DOMException('the disk went away (test)', 'UnknownError');
    };
    return {
      restore: () => {
        proto.getAll = original;
      },
      loads: () => loads,
    };
  }

  const workerLocks = async () => ((await navigator.locks.query()).held ?? []).filter((l) => l.name?.startsWith('taskweave-worker-')).length;

  it('a tab whose takeover fails lets go, closes what it opened, follows, reports once and tries again; never two leaders', async () => {
    const name = `takeover-${crypto.randomUUID()}`;
    const a = open(name, { poolSize: '1' });
    const twA = await a.ready();
    const b = open(name, { poolSize: '1', takeoverBackoffMs: '150' });
    const twB = await b.ready();
    const c = open(name, { poolSize: '1', takeoverBackoffMs: '150' });
    const twC = await c.ready();
    expect([twA.role, twB.role, twC.role]).toEqual(['leader', 'follower', 'follower']);
    const tabs = [a.tabId(), b.tabId(), c.tabId()];
    const { restore, loads } = breakLoad(b);
    const work = await twB.submitMany(Array.from({ length: 5 }, () => sleep(200)));

    // B is next in line: its takeover fails, so C, behind it, takes the lead.
    a.frame.remove();
    frames = frames.filter((f) => f !== a);
    await expect.poll(() => twC.role, { timeout: 20_000 }).toBe('leader');
    expect(twB.role).toBe('follower');
    expect(twB.scheduler).toBeUndefined();
    expect(twB.pool).toBeUndefined();
    expect(await leaderLock(name)).toMatchObject({ held: 1 });
    // The pool B started for its takeover is gone: only C's worker lives (each worker holds a Web Lock for life).
    await expect.poll(workerLocks, { timeout: 10_000 }).toBe(1);
    // B keeps working as a follower: its submissions run in C.
    const more = await twB.submit(echo('after the failed takeover'));
    expect((await twB.wait(more)).status).toBe(TaskStatus.Completed);
    expect(ranIn(tabs[2]!, more)).toHaveLength(1);

    // C goes too; B tries again (and fails again, silently) until its store is readable, then leads.
    // B asks for the lead again after its backoff: queued behind C.
    await expect.poll(() => leaderLock(name), { timeout: 10_000 }).toEqual({ held: 1, pending: 1 });
    const failedLoads = loads();
    c.frame.remove();
    frames = frames.filter((f) => f !== c);
    // B gets the lock and fails to load, twice at least (its first try and one after the backoff).
    await expect.poll(loads, { timeout: 10_000 }).toBeGreaterThanOrEqual(failedLoads + 2);
    expect(twB.role).toBe('follower');
    await expect.poll(() => twB.pool, { timeout: 10_000 }).toBeUndefined();
    // No tab leads now, and no worker is left from B's failed attempts.
    await expect.poll(workerLocks, { timeout: 10_000 }).toBe(0);
    restore();
    await expect.poll(() => twB.role, { timeout: 20_000 }).toBe('leader');
    expect(twB.pool).toBeDefined();
    await expect.poll(workerLocks, { timeout: 10_000 }).toBe(1);
    const results = await Promise.all(work.map((id) => twB.wait(id)));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(TaskStatus.Completed));
    expect(await leaderLock(name)).toMatchObject({ held: 1 });

    const errors = collected.reports.filter((r) => r.tab === tabs[1] && r.kind === 'error');
    expect(errors).toHaveLength(1); // reported once for the streak of failures
    expect(errors[0]!.message).toMatch(/could not take over/);
    expect(collected.reports.filter((r) => r.kind === 'unhandledrejection')).toEqual([]);
    expect(unhandled).toEqual([]);
    // Every task ran in one tab only, once.
    for (const id of [...work, more]) {
      const runs = tabs.reduce((n, tab) => n + ranIn(tab, id).length, 0);
      expect(runs, id).toBeLessThanOrEqual(work.includes(id) ? 2 : 1); // a task running in A when A went away runs again
    }
  }, 90_000);
});

describe('one light cross-tab mechanism', () => {
  it('only ids and statuses cross tabs; a follower reads results from the store; every tab gets the same events', async () => {
    const name = `light-${crypto.randomUUID()}`;
    const a = open(name);
    const twA = await a.ready();
    const b = open(name);
    const twB = await b.ready();
    // Everything either page posts on any BroadcastChannel.
    const posted: unknown[] = [];
    for (const f of [a, b]) {
      const proto = f.window().BroadcastChannel.prototype;
      const original = proto.postMessage;
      proto.postMessage = function (this: BroadcastChannel, message: unknown) {
        posted.push(message);
        return original.call(this, message);
      };
    }
    const events = new Map<string, { keys: string[]; taskId: string; status: string }[]>([['A', []], ['B', []]]);
    const record = (tab: string) => (e: { type: string; taskId?: string; status?: string }) => {
      if (e.type === 'status') events.get(tab)!.push({ keys: Object.keys(e).sort(), taskId: e.taskId!, status: e.status! });
    };
    twA.subscribe(record('A'));
    twB.subscribe(record('B'));

    const marker = `payload-${'x'.repeat(20_000)}`;
    const [big, vector] = await twB.submitMany([echo(marker), { type: 'custom:vector', input: { kind: 'text', text: '50000' }, metadata: { note: marker } }]);
    const [bigResult, vectorResult] = await Promise.all([twB.wait(big!), twB.wait(vector!)]);
    // The follower has the whole result, read from the store.
    expect(bigResult.output).toMatchObject({ kind: 'custom', value: { text: marker } });
    expect(vectorResult.output.kind === 'embedding' && vectorResult.output.vector.constructor.name).toBe('Float32Array');
    expect(vectorResult.output.kind === 'embedding' && vectorResult.output.vector.length).toBe(50_000);

    await expect.poll(() => events.get('B')!.filter((e) => e.status === TaskStatus.Completed).length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => events.get('A')!.filter((e) => e.status === TaskStatus.Completed).length, { timeout: 10_000 }).toBe(2);
    // Nothing posted carried an input, a result or a vector: only ids, statuses and counts.
    expect(posted.length).toBeGreaterThan(0);
    for (const message of posted) {
      const text = JSON.stringify(message);
      expect(text).not.toContain('payload-');
      expect(text.length).toBeLessThan(4_000);
      expect(JSON.stringify(message, (_, v) => (ArrayBuffer.isView(v) ? 'TYPED ARRAY' : v))).not.toContain('TYPED ARRAY');
    }
    // One event shape in every tab, and the same statuses in the same order.
    const shape = ['seq', 'status', 'taskId', 'type', 'updatedAt'];
    for (const list of events.values()) for (const e of list) expect(e.keys).toEqual(shape);
    const of = (tab: string, id: string) => events.get(tab)!.filter((e) => e.taskId === id).map((e) => e.status);
    for (const id of [big!, vector!]) {
      expect(of('A', id)).toEqual(of('B', id));
      expect(of('A', id)).toEqual([TaskStatus.Pending, TaskStatus.Running, TaskStatus.Completed]);
    }
    expect(unhandled).toEqual([]);
  }, 60_000);

  it('a waiting follower does not poll the store: it reads once when it starts waiting and once when the task ends', async () => {
    const name = `nopoll-${crypto.randomUUID()}`;
    const a = open(name);
    await a.ready();
    const b = open(name);
    const twB = await b.ready();
    const id = await twB.submit(sleep(2_500));
    let reads = 0;
    const proto = b.window().IDBObjectStore.prototype;
    const original = proto.get;
    proto.get = function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
      reads++;
      return original.call(this, key);
    };
    try {
      const result = await twB.wait(id);
      expect(result.status).toBe(TaskStatus.Completed);
    } finally {
      proto.get = original;
    }
    // The old follower re-read the store every second while it waited.
    expect(reads).toBeLessThanOrEqual(2);
  }, 30_000);
});
