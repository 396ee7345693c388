import { TaskStatus, isTerminalStatus, type TaskId } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import type { Taskweave } from '../../index.js';

interface Seen {
  taskId: TaskId;
  tab: string;
  relayed: boolean;
  status: string;
  at: number;
}

/** Loads the fixture app page in a same-origin iframe and resolves with its taskweave once it runs. */
function appFrame(name: string): { frame: HTMLIFrameElement; ready: () => Promise<Taskweave> } {
  const frame = document.createElement('iframe');
  // Built at run time: Vite rewrites `new URL(literal, import.meta.url)` and would drop the query.
  const url = new URL('../../__tests__/fixtures/appPage.html', import.meta.url);
  url.searchParams.set('name', name);
  frame.src = url.href;
  document.body.append(frame);
  const ready = async () => {
    await expect
      .poll(() => (frame.contentWindow as unknown as { taskweave?: Taskweave } | null)?.taskweave, { timeout: 20_000, interval: 50 })
      .toBeDefined();
    return (frame.contentWindow as unknown as { taskweave: Taskweave }).taskweave;
  };
  return { frame, ready };
}

describe('reload mid-run', () => {
  it('1,000 tasks with dependencies: a page reload mid-run, every task ends exactly once with the right result', async () => {
    const name = `reload-${crypto.randomUUID()}`;
    const seen: Seen[] = [];
    const onMessage = (e: MessageEvent) => {
      if (e.data?.source === 'app-page' && e.data.status !== undefined) seen.push(e.data as Seen);
    };
    window.addEventListener('message', onMessage);
    const { frame, ready } = appFrame(name);
    try {
      const tw = await ready();
      // Deterministic dependency graph: task i depends on up to two earlier tasks.
      const ids = Array.from({ length: 1000 }, () => crypto.randomUUID() as TaskId);
      const deps = ids.map((_, i) => (i < 10 ? [] : [ids[(i * 7) % i]!, ids[i - 1 - (i % 5)]!].filter((d, k, all) => all.indexOf(d) === k)));
      const tasks = ids.map((id, i) => ({
        id,
        type: 'custom:echo' as const,
        input: { kind: 'text' as const, text: `task ${i}` },
        dependencies: deps[i]!,
        maxRetries: 2,
      }));
      await tw.submitMany(tasks);

      // Reload once a good part, but not all, has finished.
      const terminalCount = () => seen.filter((s) => isTerminalStatus(s.status as TaskStatus)).length;
      await expect.poll(terminalCount, { timeout: 60_000, interval: 10 }).toBeGreaterThanOrEqual(150);
      const before = new Set(seen.filter((s) => s.status === TaskStatus.Completed).map((s) => s.taskId));
      expect(before.size).toBeLessThan(1000);
      const reloadedAt = performance.timeOrigin + performance.now();
      frame.contentWindow!.location.reload();

      const after = await (async () => {
        await expect.poll(() => (frame.contentWindow as unknown as { taskweave?: Taskweave } | null)?.taskweave, { timeout: 20_000 }).toBeUndefined();
        return ready();
      })();
      const results = await Promise.all(ids.map((id) => after.wait(id)));

      // Every task Completed, with its own output.
      expect(results.map((r) => r.status)).toEqual(Array(1000).fill(TaskStatus.Completed));
      results.forEach((r, i) => expect(r.output).toMatchObject({ kind: 'custom', value: { text: `task ${i}` } }));
      // Ended exactly once: one terminal event per task across both page lifetimes.
      const terminals = new Map<string, number>();
      for (const s of seen) if (isTerminalStatus(s.status as TaskStatus)) terminals.set(s.taskId, (terminals.get(s.taskId) ?? 0) + 1);
      const endedTwice = [...terminals].filter(([, n]) => n > 1);
      expect(endedTwice).toEqual([]);
      // Finished results are never produced twice: nothing completed before the reload ran again after it.
      const rerun = seen.filter((s) => s.status === TaskStatus.Running && s.at > reloadedAt && before.has(s.taskId));
      expect(rerun).toEqual([]);
      // Dependencies finished before their dependents started.
      const startedAt = new Map<string, number>();
      for (const s of seen) if (s.status === TaskStatus.Running) startedAt.set(s.taskId, s.at);
      const byId = new Map(results.map((r) => [r.taskId, r]));
      ids.forEach((id, i) => {
        for (const dep of deps[i]!) expect(byId.get(dep)!.timestamp).toBeLessThanOrEqual(startedAt.get(id)! + 1);
      });
      await after.close();
    } finally {
      window.removeEventListener('message', onMessage);
      frame.remove();
    }
  }, 120_000);

  it('a task with maxRetries 0 running during a page reload resumes after it and completes (an interruption is not a failure)', async () => {
    const name = `interrupt-${crypto.randomUUID()}`;
    const { frame, ready } = appFrame(name);
    try {
      const tw = await ready();
      const id = await tw.submit({ type: 'custom:sleep', input: { kind: 'text', text: '1500' }, maxRetries: 0 });
      await expect.poll(async () => (await tw.get(id))?.status, { timeout: 10_000, interval: 20 }).toBe(TaskStatus.Running);
      frame.contentWindow!.location.reload();
      await expect.poll(() => (frame.contentWindow as unknown as { taskweave?: Taskweave } | null)?.taskweave, { timeout: 20_000 }).toBeUndefined();
      const after = await ready();
      const result = await after.wait(id);
      expect(result.status).toBe(TaskStatus.Completed);
      expect(result.metrics.retryCount).toBe(0);
      await after.close();
    } finally {
      frame.remove();
    }
  }, 60_000);

  it('a reload while 150 one-document DataStorage tasks run stores exactly 150 documents, 5 times in a row', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `store-once-${crypto.randomUUID()}`;
      const done = new Set<string>();
      const onMessage = (e: MessageEvent) => {
        if (e.data?.source === 'app-page' && isTerminalStatus(e.data.status as TaskStatus)) done.add((e.data as Seen).taskId);
      };
      window.addEventListener('message', onMessage);
      const { frame, ready } = appFrame(name);
      try {
        const tw = await ready();
        const ids = await tw.submitMany(
          Array.from({ length: 150 }, (_, i) => ({
            type: 'DataStorage' as const,
            input: { kind: 'custom' as const, value: { collection: 'notes', documents: [{ vector: [1, i + 1, 0.5], metadata: { i } }] } },
            maxRetries: 0,
          })),
        );
        // Reload once some, not all, have been stored (a different point each round).
        await expect.poll(() => done.size, { timeout: 30_000, interval: 2 }).toBeGreaterThanOrEqual(5 + round * 20);
        frame.contentWindow!.location.reload();
        await expect.poll(() => (frame.contentWindow as unknown as { taskweave?: Taskweave } | null)?.taskweave, { timeout: 20_000 }).toBeUndefined();
        const after = await ready();
        const results = await Promise.all(ids.map((id) => after.wait(id)));
        expect(results.map((r) => r.status)).toEqual(Array(150).fill(TaskStatus.Completed));
        // Ids derive from the task id: a re-run overwrites, never adds.
        results.forEach((r, i) => expect(r.output).toEqual({ kind: 'stored', ids: [`${ids[i]}:0`] }));
        const listed = await after.wait(
          await after.submit({ type: 'DataRetrieval', input: { kind: 'custom', value: { collection: 'notes', limit: 10_000, includeVectors: false } } }),
        );
        expect(listed.output.kind === 'documents' ? listed.output.documents.length : -1).toBe(150);
        await after.close();
      } finally {
        window.removeEventListener('message', onMessage);
        frame.remove();
      }
    }
  }, 240_000);

  it('two pages submit at once: one runs every task exactly once; removing it hands over to the other', async () => {
    const name = `pages-${crypto.randomUUID()}`;
    const seen: Seen[] = [];
    const onMessage = (e: MessageEvent) => {
      if (e.data?.source === 'app-page' && e.data.status !== undefined) seen.push(e.data as Seen);
    };
    window.addEventListener('message', onMessage);
    const first = appFrame(name);
    const twA = await first.ready();
    const second = appFrame(name);
    const twB = await second.ready();
    try {
      expect(twA.role).toBe('leader');
      expect(twB.role).toBe('follower');
      const job = (text: string) => ({ type: 'custom:echo' as const, input: { kind: 'text' as const, text } });
      const [idsA, idsB] = await Promise.all([
        twA.submitMany(Array.from({ length: 100 }, (_, i) => job(`A${i}`))),
        twB.submitMany(Array.from({ length: 100 }, (_, i) => job(`B${i}`))),
      ]);
      const results = await Promise.all([...idsA, ...idsB].map((id) => twB.wait(id)));
      expect(results.every((r) => r.status === TaskStatus.Completed)).toBe(true);
      const ranHere = (id: string) => seen.filter((s) => s.taskId === id && s.status === TaskStatus.Running && !s.relayed);
      for (const id of [...idsA, ...idsB]) expect(ranHere(id)).toHaveLength(1);
      expect(new Set([...idsA, ...idsB].map((id) => ranHere(id)[0]!.tab))).toEqual(new Set([(first.frame.contentWindow as unknown as { tabId: string }).tabId]));

      // Closing the leader's page hands over: the other page takes the lead and runs what is left.
      const slow = await twB.submitMany(Array.from({ length: 4 }, () => ({ type: 'custom:sleep' as const, input: { kind: 'text' as const, text: '400' }, maxRetries: 2 })));
      await expect.poll(async () => (await twB.get(slow[0]!))?.status, { timeout: 10_000 }).toBe(TaskStatus.Running);
      first.frame.remove();
      await expect.poll(() => twB.role, { timeout: 20_000 }).toBe('leader');
      const after = await Promise.all(slow.map((id) => twB.wait(id)));
      expect(after.map((r) => r.status)).toEqual(Array(4).fill(TaskStatus.Completed));
      await twB.close();
    } finally {
      window.removeEventListener('message', onMessage);
      first.frame.remove();
      second.frame.remove();
    }
  }, 120_000);
});
